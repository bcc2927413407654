using System.Text.RegularExpressions;
using NovaMind.Domain.Privacy;

namespace NovaMind.ServiceDefaults;

/// <summary>
/// Replaces patient ids in free text with their keyed pseudonym (<c>p_…</c>, the one NovaMind code logs), or
/// with <c>[id]</c> when no pseudonym key is configured: every dashed GUID, and the 32-hex form after a '/'
/// (Orleans grain ids such as <c>patienttwin/…</c>). Bare 32-hex W3C trace and span ids are left alone.
/// </summary>
public sealed partial class IdentifierScrubber(PatientPseudonymizer? pseudonyms)
{
    [GeneratedRegex("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|(?<=/)[0-9a-fA-F]{32}(?![0-9a-fA-F])")]
    private static partial Regex IdPattern();

    public string Scrub(string text) => IdPattern().Replace(text, Replace);

    public bool ContainsId(string text) => IdPattern().IsMatch(text);

    private string Replace(Match m) =>
        !Guid.TryParse(m.ValueSpan, out var id) ? m.Value
        : pseudonyms is null ? "[id]"
        : pseudonyms.Pseudonym(id);
}
