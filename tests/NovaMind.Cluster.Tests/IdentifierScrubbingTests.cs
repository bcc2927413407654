using System.Diagnostics;
using NovaMind.Domain.Privacy;
using NovaMind.ServiceDefaults;

namespace NovaMind.Cluster.Tests;

/// <summary>The safety net that keeps patient ids out of logs and traces.</summary>
public sealed class IdentifierScrubbingTests
{
    private static readonly PatientPseudonymizer Pseudonyms = new(new byte[32]);
    private static readonly Guid Patient = Guid.Parse("58d69b23-9405-43cb-8a88-075c89544574");

    [Fact]
    public void Dashed_and_grain_id_forms_become_the_pseudonym_while_trace_ids_stay()
    {
        var scrubber = new IdentifierScrubber(Pseudonyms);
        const string traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        var text = $"GET /api/patients/{Patient} from patienttwin/{Patient:N} trace {traceId}";

        var scrubbed = scrubber.Scrub(text);

        var pseudonym = Pseudonyms.Pseudonym(Patient);
        Assert.Equal($"GET /api/patients/{pseudonym} from patienttwin/{pseudonym} trace {traceId}", scrubbed);
        Assert.Equal($"/api/patients/[id]", new IdentifierScrubber(null).Scrub($"/api/patients/{Patient}"));
    }

    [Fact]
    public void Span_names_and_tags_are_scrubbed_before_export()
    {
        using var source = new ActivitySource("NovaMind.Tests.Scrubbing");
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == source.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        using var activity = source.StartActivity($"GET /api/patients/{Patient}")!;
        activity.SetTag("url.path", $"/api/patients/{Patient}/forecast");
        activity.SetTag("rpc.orleans.target_id", $"patienttwin/{Patient:N}");
        activity.SetTag("http.response.status_code", 200);
        activity.Stop();

        new IdentifierScrubbingProcessor(new IdentifierScrubber(Pseudonyms)).OnEnd(activity);

        var pseudonym = Pseudonyms.Pseudonym(Patient);
        Assert.Equal($"GET /api/patients/{pseudonym}", activity.DisplayName);
        Assert.Equal($"/api/patients/{pseudonym}/forecast", activity.GetTagItem("url.path"));
        Assert.Equal($"patienttwin/{pseudonym}", activity.GetTagItem("rpc.orleans.target_id"));
        Assert.Equal(200, activity.GetTagItem("http.response.status_code"));
    }
}
