using System.Diagnostics;
using OpenTelemetry;

namespace NovaMind.ServiceDefaults;

/// <summary>
/// The same safety net for traces: span names and string tag values (url.path, Orleans grain ids in rpc tags,
/// exception messages in events) are scrubbed of patient ids before any exporter sees the span.
/// </summary>
public sealed class IdentifierScrubbingProcessor(IdentifierScrubber scrubber) : BaseProcessor<Activity>
{
    public override void OnEnd(Activity activity)
    {
        if (scrubber.ContainsId(activity.DisplayName)) activity.DisplayName = scrubber.Scrub(activity.DisplayName);
        foreach (var tag in activity.TagObjects.ToList())
            if (tag.Value is string s && scrubber.ContainsId(s)) activity.SetTag(tag.Key, scrubber.Scrub(s));
        if (activity.StatusDescription is { } status && scrubber.ContainsId(status)) activity.SetStatus(activity.Status, scrubber.Scrub(status));
    }
}
