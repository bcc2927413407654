using Serilog.Events;
using Serilog.Formatting;

namespace NovaMind.ServiceDefaults;

/// <summary>
/// Safety net for "no PHI in logs": NovaMind code logs patient pseudonyms, but framework messages (Orleans grain
/// ids, exception texts, request paths) can carry a patient's id. Each finished log line goes through the
/// <see cref="IdentifierScrubber"/>.
/// </summary>
public sealed class IdentifierScrubbingFormatter(ITextFormatter inner, IdentifierScrubber scrubber) : ITextFormatter
{
    public void Format(LogEvent logEvent, TextWriter output)
    {
        using var buffer = new StringWriter();
        inner.Format(logEvent, buffer);
        output.Write(scrubber.Scrub(buffer.ToString()));
    }
}
