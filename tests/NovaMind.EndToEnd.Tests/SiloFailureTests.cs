using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace NovaMind.EndToEnd.Tests;

/// <summary>
/// A silo killed (kill -9) or stopped (SIGTERM) while writers ingest: every acknowledged observation is readable afterwards, and failed requests
/// are 503 with Retry-After within the gateway's response timeout — never 500, never a hang. A system of its own (two silos),
/// so the dead member does not disturb other tests.
/// </summary>
public sealed class SiloFailureTests : IAsyncLifetime
{
    private readonly NovaMindSystemFixture _system = new();
    private static readonly DateTimeOffset Start = new(2026, 4, 1, 0, 0, 0, TimeSpan.Zero);

    public Task InitializeAsync() => _system.InitializeAsync();

    public Task DisposeAsync() => _system.DisposeAsync();

    private sealed record LoadResult(ConcurrentDictionary<Guid, ConcurrentBag<DateTimeOffset>> Acknowledged, List<(HttpStatusCode Status, bool RetryAfter)> Failures, TimeSpan Slowest)
    {
        public int AcknowledgedCount => Acknowledged.Values.Sum(b => b.Count);
    }

    /// <summary>One writer per patient posting unique single observations until <paramref name="duration"/> ends.</summary>
    private async Task<LoadResult> RunWritersAsync(IReadOnlyList<Guid> patients, TimeSpan duration)
    {
        var acknowledged = new ConcurrentDictionary<Guid, ConcurrentBag<DateTimeOffset>>();
        var failures = new ConcurrentBag<(HttpStatusCode Status, bool RetryAfter)>();
        var slowest = TimeSpan.Zero;
        using var stop = new CancellationTokenSource(duration);
        await Task.WhenAll(patients.Select(async patient =>
        {
            using var http = _system.Client();
            var bag = acknowledged.GetOrAdd(patient, _ => []);
            for (var minute = 0; !stop.IsCancellationRequested; minute++)
            {
                var time = Start.AddMinutes(minute);
                var body = JsonSerializer.Serialize(new { observations = new[] { new { time = time.ToString("O"), type = "resting_hr", value = 60 + minute % 20 } } });
                var watch = Stopwatch.StartNew();
                using var response = await http.PostAsync($"api/patients/{patient}/observations", new StringContent(body, Encoding.UTF8, "application/json"));
                lock (failures) if (watch.Elapsed > slowest) slowest = watch.Elapsed;
                if (response.StatusCode == HttpStatusCode.Accepted) bag.Add(time);
                else
                {
                    failures.Add((response.StatusCode, response.Headers.RetryAfter is not null));
                    await Task.Delay(200);
                }
            }
        }));
        return new LoadResult(acknowledged, [.. failures], slowest);
    }

    /// <summary>Every acknowledged observation is in the patient's exported history.</summary>
    private async Task AssertNothingAcknowledgedIsLostAsync(LoadResult load)
    {
        using var http = _system.Client();
        foreach (var (patient, acknowledged) in load.Acknowledged)
        {
            var stored = new HashSet<DateTimeOffset>();
            for (string? next = $"api/patients/{patient}/observations?limit=10000"; next is not null;)
            {
                var page = await http.GetFromJsonAsync<JsonElement>(next.TrimStart('/'));
                foreach (var o in page.GetProperty("observations").EnumerateArray()) stored.Add(o.GetProperty("time").GetDateTimeOffset());
                next = page.GetProperty("next").ValueKind == JsonValueKind.String ? page.GetProperty("next").GetString() : null;
            }
            var lost = acknowledged.Count(t => !stored.Contains(t));
            Assert.True(lost == 0, $"patient {patient}: {lost} acknowledged observations are missing");
        }
    }

    [Theory]
    [InlineData("kill -9")]
    [InlineData("SIGTERM")]
    public async Task Stopping_a_silo_under_load_loses_no_acknowledged_observation_and_fails_only_with_503(string how)
    {
        var (second, secondUrl) = _system.StartExtraSilo([]);
        await using var _ = second;
        await second.WaitUntilReadyAsync(new Uri(secondUrl, "ready"), TimeSpan.FromSeconds(90));

        using var setup = _system.Client();
        var patients = new List<Guid>();
        for (var i = 0; i < 16; i++) patients.Add(await NovaMindSystemFixture.CreatePatientAsync(setup)); // spread over both silos

        var load = RunWritersAsync(patients, TimeSpan.FromSeconds(25));
        await Task.Delay(TimeSpan.FromSeconds(5));
        if (how == "SIGTERM") Assert.Equal(0, await second.StopGracefullyAsync(TimeSpan.FromSeconds(60)));
        else await second.DisposeAsync(); // SIGKILL
        var result = await load;

        Assert.All(result.Failures, f => Assert.Equal((HttpStatusCode.ServiceUnavailable, true), f));
        Assert.True(result.Slowest < TimeSpan.FromSeconds(25), $"a request took {result.Slowest}");
        await AssertNothingAcknowledgedIsLostAsync(result);
        Console.WriteLine($"{how}: acknowledged {result.AcknowledgedCount}, refused with 503: {result.Failures.Count}, slowest request {result.Slowest.TotalMilliseconds:0} ms");
    }

    [Fact]
    public async Task A_storage_outage_under_load_refuses_with_503_turns_ready_off_and_loses_nothing_acknowledged()
    {
        using var setup = _system.Client();
        var patients = new List<Guid>();
        for (var i = 0; i < 8; i++) patients.Add(await NovaMindSystemFixture.CreatePatientAsync(setup));

        var load = RunWritersAsync(patients, TimeSpan.FromSeconds(40));
        await Task.Delay(TimeSpan.FromSeconds(5));
        await _system.Azurite.StopAsync();
        using var probe = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var notReady = false;
        for (var i = 0; i < 20 && !notReady; i++)
        {
            notReady = (await probe.GetAsync(new Uri(_system.SiloHttpBaseAddress, "ready"))).StatusCode == HttpStatusCode.ServiceUnavailable;
            if (!notReady) await Task.Delay(500);
        }
        await Task.Delay(TimeSpan.FromSeconds(20) - TimeSpan.FromMilliseconds(500));
        await _system.Azurite.RestartAsync();
        var result = await load;
        Assert.False(_system.Silo.HasExited, "the silo exited during the outage");
        await _system.Silo.WaitUntilReadyAsync(new Uri(_system.SiloHttpBaseAddress, "ready"), TimeSpan.FromSeconds(60));

        Assert.True(notReady, "the silo stayed ready while storage was down");
        Assert.All(result.Failures, f => Assert.Equal(HttpStatusCode.ServiceUnavailable, f.Status));
        Assert.NotEmpty(result.Failures);
        await AssertNothingAcknowledgedIsLostAsync(result);
        Console.WriteLine($"storage outage: acknowledged {result.AcknowledgedCount}, refused with 503: {result.Failures.Count}, slowest request {result.Slowest.TotalMilliseconds:0} ms");
    }
}
