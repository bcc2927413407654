using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using NovaMind.Contracts;
using NovaMind.Grains.Insights;
using NovaMind.Silo;
using NovaMind.Simulation;
using NovaMind.TestInfrastructure;
using Orleans.TestingHost;

namespace NovaMind.Cluster.Tests;

/// <summary>
/// Faults planted in front of the real workers of a real silo (an incoming grain-call filter that delays, throws or
/// holds calls to one worker kind); the twin's insights fan-out must degrade part by part.
/// </summary>
public sealed class WorkerFaults
{
    public sealed class Plan
    {
        public TimeSpan Delay { get; init; }
        /// <summary>Calls that fail before calls succeed again (int.MaxValue: every call).</summary>
        public int Failures { get; init; }
        public Func<Exception> Exception { get; init; } = () => new InvalidOperationException("planted fault");
        public int Calls;
        /// <summary>Cancelled when the plan is cleared: a held call stops holding the worker's activation for the next test.</summary>
        public CancellationTokenSource Released { get; } = new();
    }

    private readonly ConcurrentDictionary<InsightPart, Plan> _plans = new();
    private TaskCompletionSource? _allArrived;
    private readonly ConcurrentDictionary<InsightPart, bool> _arrived = new();

    public void Set(InsightPart part, Plan plan) => _plans[part] = plan;

    public void Clear()
    {
        foreach (var plan in _plans.Values) plan.Released.Cancel();
        _plans.Clear();
        _allArrived?.TrySetResult();
        _allArrived = null;
        _arrived.Clear();
    }

    /// <summary>Every call of every kind waits until each kind has had a call: only calls that run at the same time get through.</summary>
    public void HoldUntilAllKindsArrive() => _allArrived = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public bool RendezvousTimedOut { get; private set; }

    public int Calls(InsightPart part) => _plans.TryGetValue(part, out var p) ? p.Calls : 0;

    public async Task ApplyAsync(InsightPart part)
    {
        if (_allArrived is { } all)
        {
            _arrived[part] = true;
            if (_arrived.Count == 3) all.TrySetResult();
            try { await all.Task.WaitAsync(TimeSpan.FromSeconds(10)); }
            catch (TimeoutException) { RendezvousTimedOut = true; throw new InvalidOperationException("the parts did not run at the same time"); }
        }
        if (!_plans.TryGetValue(part, out var plan)) return;
        var n = Interlocked.Increment(ref plan.Calls);
        if (plan.Delay > TimeSpan.Zero)
        {
            try { await Task.Delay(plan.Delay, plan.Released.Token); }
            catch (OperationCanceledException) { return; }
        }
        if (n <= plan.Failures) throw plan.Exception();
    }

    /// <summary>The heavy method of each worker (ModelVersion stays untouched: it is a lookup, not model work).</summary>
    public static InsightPart? PartOf(IIncomingGrainCallContext context) => context.Grain switch
    {
        IForecastWorkerGrain when context.InterfaceMethod.Name == nameof(IForecastWorkerGrain.Forecast) => InsightPart.Forecast,
        ICorrelationWorkerGrain => InsightPart.Correlations,
        IPgxWorkerGrain => InsightPart.Medications,
        _ => null,
    };
}

public sealed class InsightsFaultClusterFixture : IAsyncLifetime
{
    public AzuriteServer Azurite { get; private set; } = null!;
    public InProcessTestCluster Cluster { get; private set; } = null!;
    public TestSecrets Secrets { get; } = new();
    public WorkerFaults Faults { get; } = new();
    public IClusterClient Client => Cluster.Client;
    public WorkerResilience Resilience => Cluster.Silos[0].ServiceProvider.GetRequiredService<WorkerResilience>();

    // Generous: the suite runs beside other test assemblies on two cores; a planted slow worker is far slower still.
    public static readonly TimeSpan PartDeadline = TimeSpan.FromSeconds(8);
    public static readonly TimeSpan BreakDuration = TimeSpan.FromSeconds(1);

    public async Task InitializeAsync()
    {
        Azurite = await AzuriteServer.StartAsync();
        string S(TimeSpan t) => t.ToString("c", System.Globalization.CultureInfo.InvariantCulture);
        var configuration = NovaMindClusterFixture.SiloConfiguration(Azurite, Secrets, new()
        {
            ["Placement:RequireAccelerator"] = "false", [NovaMindSiloExtensions.VerifyClientCallsKey] = "false",
            ["Insights:ForecastDeadline"] = S(PartDeadline), ["Insights:CorrelationsDeadline"] = S(PartDeadline), ["Insights:MedicationsDeadline"] = S(PartDeadline),
            ["Insights:OverallDeadline"] = S(PartDeadline + TimeSpan.FromSeconds(2)),
            ["Insights:RetryBaseDelay"] = S(TimeSpan.FromMilliseconds(20)), ["Insights:MaxRetries"] = "2",
            ["Insights:BreakerMinimumThroughput"] = "4", ["Insights:BreakerFailureRatio"] = "0.5",
            ["Insights:BreakerSamplingDuration"] = S(TimeSpan.FromSeconds(30)), ["Insights:BreakerBreakDuration"] = S(BreakDuration),
            // Queued model work waits rather than being refused when the suite loads the machine: the part deadlines decide.
            ["Inference:ForecastWorker:RequestDeadline"] = S(TimeSpan.FromSeconds(30)),
        });
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddNovaMind(configuration, useConfiguredStreams: false);
            silo.AddIncomingGrainCallFilter(async context =>
            {
                if (WorkerFaults.PartOf(context) is { } part) await Faults.ApplyAsync(part);
                await context.Invoke();
            });
        });
        builder.ConfigureClient(client => NovaMind.ServiceDefaults.ClusterTls.Load(configuration).ApplyTo(client));
        Cluster = builder.Build();
        await Cluster.DeployAsync();
        // Warm up: models load and code paths compile on first use, which must not count against the tests' deadlines.
        var p = new SymptomCohortSimulator(300).Simulate(1, 100, new DateOnly(2026, 6, 30)).Patients[0];
        var twin = Client.GetGrain<IPatientTwinGrain>(Guid.NewGuid());
        await twin.Register();
        await twin.AddObservations([.. p.Observations.Select(o => new ObservationRecord(o.Time, o.Type.Name, o.Value))]);
        await twin.SetGenotype(new() { ["CYP2C19"] = "*1/*1" });
        foreach (var symptom in new[] { "mood", "phq9", "gad7" }) await twin.GetForecast(symptom, 14);
        await twin.GetCorrelations(new CorrelationQuery(30, 7, "spearman", 0, 1));
        await twin.RankMedications(["sertraline", "escitalopram"]);
    }

    public async Task DisposeAsync()
    {
        if (Cluster is not null)
        {
            await Cluster.StopAllSilosAsync();
            await Cluster.DisposeAsync();
        }
        if (Azurite is not null) await Azurite.DisposeAsync();
    }
}

/// <summary>The insights answer every requested part whatever one worker does: slow, throwing, flapping, or down long enough to open its breaker.</summary>
public sealed class InsightsFaultTests(InsightsFaultClusterFixture fixture) : IClassFixture<InsightsFaultClusterFixture>, IAsyncLifetime
{
    private static readonly DateOnly LastDay = new(2026, 6, 30);
    private static readonly InsightsQuery Everything = new(14, 30, ["forecast", "correlations", "medications"], ["mood", "phq9", "gad7"], ["sertraline", "escitalopram"]);

    public async Task InitializeAsync()
    {
        fixture.Faults.Clear();
        await fixture.Resilience.CloseAllAsync();
    }

    public Task DisposeAsync()
    {
        fixture.Faults.Clear();
        return Task.CompletedTask;
    }

    private async Task<IPatientTwinGrain> PatientAsync(int seed)
    {
        var p = new SymptomCohortSimulator(seed).Simulate(1, 100, LastDay).Patients[0];
        var twin = fixture.Client.GetGrain<IPatientTwinGrain>(Guid.NewGuid());
        await twin.Register();
        Assert.Equal(IngestStatus.Accepted, (await twin.AddObservations([.. p.Observations.Select(o => new ObservationRecord(o.Time, o.Type.Name, o.Value))])).Status);
        Assert.Equal(UpdateStatus.Updated, (await twin.SetGenotype(new() { ["CYP2C19"] = "*17/*17", ["CYP2D6"] = "*1/*1" })).Status);
        return twin;
    }

    /// <summary>The part's status, with its problem text in the failure message.</summary>
    private static void Is(InsightPartStatus expected, InsightPartInfo info) =>
        Assert.True(expected == info.Status, $"expected {expected}, got {info.Status}: {info.Problem}");

    private static InsightsDto Ok(InsightsResult r)
    {
        Assert.Equal(InsightsStatus.Ok, r.Status);
        return r.Insights!;
    }

    [Fact]
    public async Task The_three_parts_run_at_the_same_time()
    {
        var twin = await PatientAsync(301);
        fixture.Faults.HoldUntilAllKindsArrive(); // a sequential fan-out would hold its first part until it times out
        var insights = Ok(await twin.GetInsights(Everything));
        Assert.False(fixture.Faults.RendezvousTimedOut);
        Is(InsightPartStatus.Ok, insights.Forecast!.Info);
        Is(InsightPartStatus.Ok, insights.Correlations!.Info);
        Is(InsightPartStatus.Ok, insights.Medications!.Info);
        Assert.All(insights.Forecast.Symptoms, s => Assert.Equal(ForecastStatus.Ok, s.Forecast!.Status));
        Assert.Equal(2, insights.Medications.Ranked.Length);
        Assert.True(insights.Correlations.Report!.TestCount > 0);
    }

    [Fact]
    public async Task A_slow_forecast_worker_times_out_and_the_other_parts_still_answer()
    {
        var twin = await PatientAsync(302);
        fixture.Faults.Set(InsightPart.Forecast, new() { Delay = TimeSpan.FromSeconds(60) });
        var insights = Ok(await twin.GetInsights(Everything));
        Is(InsightPartStatus.Timeout, insights.Forecast!.Info);
        Assert.Contains("8 s deadline", insights.Forecast.Info.Problem);
        Assert.All(insights.Forecast.Symptoms, s => Assert.Equal(InsightPartStatus.Timeout, s.Status));
        Is(InsightPartStatus.Ok, insights.Correlations!.Info);
        Is(InsightPartStatus.Ok, insights.Medications!.Info);
        Assert.InRange(insights.ElapsedMs, 0, 40_000); // answered without waiting for the 60 s worker
    }

    [Fact]
    public async Task A_throwing_correlation_worker_is_an_error_with_a_safe_message_and_is_not_retried()
    {
        var twin = await PatientAsync(303);
        fixture.Faults.Set(InsightPart.Correlations, new() { Failures = int.MaxValue, Exception = () => new InvalidOperationException("mood 9.25 for patient x") });
        var insights = Ok(await twin.GetInsights(Everything));
        Is(InsightPartStatus.Error, insights.Correlations!.Info);
        Assert.Equal(1, insights.Correlations.Info.Attempts);
        Assert.DoesNotContain("9.25", insights.Correlations.Info.Problem);
        Assert.Contains("correlation worker failed", insights.Correlations.Info.Problem);
        Is(InsightPartStatus.Ok, insights.Forecast!.Info);
        Is(InsightPartStatus.Ok, insights.Medications!.Info);
    }

    [Fact]
    public async Task A_flapping_pgx_worker_is_retried_with_backoff_until_it_answers()
    {
        var twin = await PatientAsync(304);
        fixture.Faults.Set(InsightPart.Medications, new() { Failures = 2, Exception = () => new InferenceUnavailableException("queue full") });
        var insights = Ok(await twin.GetInsights(Everything));
        Is(InsightPartStatus.Ok, insights.Medications!.Info);
        Assert.InRange(insights.Medications.Info.Attempts, 2, 3);
        Assert.Equal(2, insights.Medications.Ranked.Length);
    }

    [Fact]
    public async Task A_worker_that_keeps_failing_opens_its_breaker_and_a_probe_closes_it_when_it_recovers()
    {
        var twin = await PatientAsync(305);
        var correlationsOnly = Everything with { Include = ["correlations"] };
        fixture.Faults.Set(InsightPart.Correlations, new() { Failures = int.MaxValue, Exception = () => new InferenceUnavailableException("down") });

        // 3 attempts per call (2 retries), each a failure: the breaker (4 calls, 50 %) opens during the second call.
        Is(InsightPartStatus.Error, Ok(await twin.GetInsights(correlationsOnly)).Correlations!.Info);
        var second = Ok(await twin.GetInsights(correlationsOnly)).Correlations!.Info;
        Is(InsightPartStatus.Unavailable, second);
        Assert.Equal(Polly.CircuitBreaker.CircuitState.Open, fixture.Resilience.State(InsightPart.Correlations));
        var callsWhenOpened = fixture.Faults.Calls(InsightPart.Correlations);
        var shortCircuited = Ok(await twin.GetInsights(Everything));
        Is(InsightPartStatus.Unavailable, shortCircuited.Correlations!.Info);
        Assert.Equal(0, shortCircuited.Correlations.Info.Attempts);
        Assert.Equal(callsWhenOpened, fixture.Faults.Calls(InsightPart.Correlations)); // not called while open
        // Other kinds have their own breakers (whatever else a loaded machine does to them, they are not short-circuited).
        Assert.NotEqual(InsightPartStatus.Unavailable, shortCircuited.Forecast!.Info.Status);
        Assert.NotEqual(InsightPartStatus.Unavailable, shortCircuited.Medications!.Info.Status);

        fixture.Faults.Clear(); // the worker recovers; after the break a probe is let through and closes the breaker
        await Task.Delay(InsightsFaultClusterFixture.BreakDuration + TimeSpan.FromMilliseconds(300));
        Is(InsightPartStatus.Ok, Ok(await twin.GetInsights(correlationsOnly)).Correlations!.Info);
        Assert.Equal(Polly.CircuitBreaker.CircuitState.Closed, fixture.Resilience.State(InsightPart.Correlations));
    }

    [Fact]
    public async Task Parts_are_cached_by_their_inputs_and_new_observations_invalidate_only_what_reads_them()
    {
        var twin = await PatientAsync(306);
        var first = Ok(await twin.GetInsights(Everything));
        Is(InsightPartStatus.Ok, first.Medications!.Info);
        Is(InsightPartStatus.Ok, first.Correlations!.Info);

        var again = Ok(await twin.GetInsights(Everything));
        Is(InsightPartStatus.Cached, again.Forecast!.Info);
        Is(InsightPartStatus.Cached, again.Correlations!.Info);
        Is(InsightPartStatus.Cached, again.Medications!.Info);
        Assert.Equal(first.Correlations.Report!.TestCount, again.Correlations.Report!.TestCount);
        Assert.NotNull(again.Medications.Info.ModelVersion);
        Assert.NotNull(again.Correlations.Info.AgeSeconds);

        // A night's sleep: correlations and forecasts read it, the medication ranking does not.
        Assert.Equal(IngestStatus.Accepted, (await twin.AddObservations([new ObservationRecord(new DateTimeOffset(2026, 7, 1, 7, 0, 0, TimeSpan.Zero), "sleep_hours", 6.5)])).Status);
        var afterSleep = Ok(await twin.GetInsights(Everything));
        Is(InsightPartStatus.Ok, afterSleep.Forecast!.Info);
        Is(InsightPartStatus.Ok, afterSleep.Correlations!.Info);
        Is(InsightPartStatus.Cached, afterSleep.Medications!.Info);

        // A genotype change: only the ranking.
        Assert.Equal(UpdateStatus.Updated, (await twin.SetGenotype(new() { ["CYP2C19"] = "*2/*2", ["CYP2D6"] = "*1/*1" })).Status);
        var afterGenotype = Ok(await twin.GetInsights(Everything));
        Is(InsightPartStatus.Cached, afterGenotype.Forecast!.Info);
        Is(InsightPartStatus.Cached, afterGenotype.Correlations!.Info);
        Is(InsightPartStatus.Ok, afterGenotype.Medications!.Info);
        Assert.Contains(afterGenotype.Medications.Ranked, r => r.Prediction.GeneticFactors.Any(f => f.Gene == "CYP2C19" && f.Phenotype == "Poor Metabolizer"));
    }

    [Fact]
    public async Task Without_a_genotype_the_medication_part_says_what_is_missing()
    {
        var p = new SymptomCohortSimulator(307).Simulate(1, 100, LastDay).Patients[0];
        var twin = fixture.Client.GetGrain<IPatientTwinGrain>(Guid.NewGuid());
        await twin.Register();
        await twin.AddObservations([.. p.Observations.Select(o => new ObservationRecord(o.Time, o.Type.Name, o.Value))]);
        var insights = Ok(await twin.GetInsights(Everything with { Candidates = null }));
        Is(InsightPartStatus.InsufficientData, insights.Medications!.Info);
        Assert.Contains("no genotype on record", insights.Medications.Info.Problem);
        Assert.Equal(["citalopram", "escitalopram", "sertraline", "venlafaxine"], insights.Medications.Candidates);
    }
}
