using System.Text.RegularExpressions;
using NovaMind.Domain.Privacy;
using Serilog.Events;
using Serilog.Formatting;

namespace NovaMind.ServiceDefaults;

/// <summary>
/// Safety net for "no PHI in logs": NovaMind code logs patient pseudonyms, but framework messages
/// (Orleans grain ids, exception texts, request paths) can carry a patient's id. Every GUID in a finished
/// log line (dashed, or the 32-hex form after a '/' as in Orleans grain ids) is replaced by the keyed
/// pseudonym NovaMind code logs (<c>p_…</c>), or by <c>[id]</c> when no pseudonym key is configured.
/// W3C trace and span ids (bare hex) are left alone so logs still correlate with traces.
/// </summary>
public sealed partial class IdentifierScrubbingFormatter(ITextFormatter inner, PatientPseudonymizer? pseudonyms) : ITextFormatter
{
    [GeneratedRegex("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|(?<=/)[0-9a-fA-F]{32}(?![0-9a-fA-F])")]
    private static partial Regex IdPattern();

    public void Format(LogEvent logEvent, TextWriter output)
    {
        using var buffer = new StringWriter();
        inner.Format(logEvent, buffer);
        output.Write(IdPattern().Replace(buffer.ToString(), Replace));
    }

    private string Replace(Match m) =>
        !Guid.TryParse(m.ValueSpan, out var id) ? m.Value
        : pseudonyms is null ? "[id]"
        : pseudonyms.Pseudonym(id);
}
