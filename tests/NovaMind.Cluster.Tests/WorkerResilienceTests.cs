using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using NovaMind.Contracts;
using NovaMind.Grains.Insights;
using Polly.CircuitBreaker;

namespace NovaMind.Cluster.Tests;

/// <summary>The insights fan-out's per-part pipeline: deadlines, retries of transient failures only, and the breaker's open → half-open → closed cycle.</summary>
public sealed class WorkerResilienceTests
{
    private static WorkerResilience Resilience(TimeProvider clock, Action<InsightsOptions>? configure = null)
    {
        var options = new InsightsOptions
        {
            ForecastDeadline = TimeSpan.FromMilliseconds(300), CorrelationsDeadline = TimeSpan.FromSeconds(30), MedicationsDeadline = TimeSpan.FromSeconds(30),
            RetryBaseDelay = TimeSpan.FromMilliseconds(5), MaxRetries = 2,
            BreakerMinimumThroughput = 4, BreakerFailureRatio = 0.5, BreakerSamplingDuration = TimeSpan.FromSeconds(30), BreakerBreakDuration = TimeSpan.FromSeconds(10),
        };
        configure?.Invoke(options);
        return new WorkerResilience(Options.Create(options), clock);
    }

    [Fact]
    public async Task A_call_past_its_deadline_is_a_timeout_naming_the_deadline()
    {
        var r = Resilience(TimeProvider.System);
        var outcome = await r.Run(InsightPart.Forecast, async ct => { await Task.Delay(Timeout.Infinite, ct); return 1; }, CancellationToken.None);
        Assert.Equal(InsightPartStatus.Timeout, outcome.Status);
        Assert.Equal(1, outcome.Attempts);
        Assert.Contains("0.3 s deadline", outcome.Problem);
    }

    [Fact]
    public async Task The_overall_deadline_ends_a_part_that_is_still_within_its_own()
    {
        var r = Resilience(TimeProvider.System);
        using var overall = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        var outcome = await r.Run(InsightPart.Correlations, async ct => { await Task.Delay(Timeout.Infinite, ct); return 1; }, overall.Token);
        Assert.Equal(InsightPartStatus.Timeout, outcome.Status);
        Assert.Contains("overall deadline", outcome.Problem);
    }

    [Fact]
    public async Task Transient_failures_are_retried_until_one_succeeds()
    {
        var r = Resilience(TimeProvider.System);
        var calls = 0;
        var outcome = await r.Run(InsightPart.Medications, _ => ++calls <= 2 ? throw new InferenceUnavailableException("queue full") : Task.FromResult(42), CancellationToken.None);
        Assert.Equal(InsightPartStatus.Ok, outcome.Status);
        Assert.Equal(42, outcome.Value);
        Assert.Equal(3, outcome.Attempts);
    }

    [Fact]
    public async Task Retries_stop_after_the_configured_number()
    {
        var r = Resilience(TimeProvider.System);
        var outcome = await r.Run<int>(InsightPart.Medications, _ => throw new TimeoutException("silo slow"), CancellationToken.None);
        Assert.Equal(InsightPartStatus.Error, outcome.Status);
        Assert.Equal(3, outcome.Attempts);
        Assert.Contains("after 3 attempts", outcome.Problem);
    }

    [Fact]
    public async Task A_non_transient_failure_is_not_retried_and_its_message_is_not_repeated()
    {
        var r = Resilience(TimeProvider.System);
        var outcome = await r.Run<int>(InsightPart.Correlations, _ => throw new InvalidOperationException("patient 7 has mood 9.25"), CancellationToken.None);
        Assert.Equal(InsightPartStatus.Error, outcome.Status);
        Assert.Equal(1, outcome.Attempts);
        Assert.Equal("the correlation worker failed (InvalidOperationException)", outcome.Problem);
    }

    [Fact]
    public async Task The_breaker_opens_short_circuits_then_closes_after_a_successful_probe()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero));
        var r = Resilience(clock, o => o.MaxRetries = 0);
        var healthy = false;
        var calls = 0;
        Task<int> Worker(CancellationToken _) { calls++; return healthy ? Task.FromResult(1) : throw new InvalidOperationException("down"); }

        for (var i = 0; i < 4; i++) Assert.Equal(InsightPartStatus.Error, (await r.Run(InsightPart.Correlations, Worker, CancellationToken.None)).Status);
        Assert.Equal(CircuitState.Open, r.State(InsightPart.Correlations));
        Assert.Equal(CircuitState.Closed, r.State(InsightPart.Forecast)); // one breaker per worker kind

        var shortCircuited = await r.Run(InsightPart.Correlations, Worker, CancellationToken.None);
        Assert.Equal(InsightPartStatus.Unavailable, shortCircuited.Status);
        Assert.Equal(0, shortCircuited.Attempts);
        Assert.Equal(4, calls); // the worker was not called
        Assert.Contains("circuit open", shortCircuited.Problem);

        // Still broken when the break ends: the probe fails and the breaker opens again.
        clock.Advance(TimeSpan.FromSeconds(10.5));
        Assert.Equal(InsightPartStatus.Error, (await r.Run(InsightPart.Correlations, Worker, CancellationToken.None)).Status);
        Assert.Equal(CircuitState.Open, r.State(InsightPart.Correlations));
        Assert.Equal(InsightPartStatus.Unavailable, (await r.Run(InsightPart.Correlations, Worker, CancellationToken.None)).Status);

        // Healed: the next probe succeeds and closes it.
        healthy = true;
        clock.Advance(TimeSpan.FromSeconds(10.5));
        Assert.Equal(InsightPartStatus.Ok, (await r.Run(InsightPart.Correlations, Worker, CancellationToken.None)).Status);
        Assert.Equal(CircuitState.Closed, r.State(InsightPart.Correlations));
        Assert.Equal(InsightPartStatus.Ok, (await r.Run(InsightPart.Correlations, Worker, CancellationToken.None)).Status);
    }

    [Fact]
    public async Task Fewer_failures_than_the_minimum_throughput_keep_it_closed()
    {
        var r = Resilience(new FakeTimeProvider(), o => o.MaxRetries = 0);
        for (var i = 0; i < 3; i++) await r.Run<int>(InsightPart.Forecast, _ => throw new InvalidOperationException("down"), CancellationToken.None);
        Assert.Equal(CircuitState.Closed, r.State(InsightPart.Forecast));
    }

    [Fact]
    public async Task Closing_all_breakers_lets_calls_through_again()
    {
        var r = Resilience(new FakeTimeProvider(), o => o.MaxRetries = 0);
        for (var i = 0; i < 4; i++) await r.Run<int>(InsightPart.Medications, _ => throw new InvalidOperationException("down"), CancellationToken.None);
        Assert.Equal(CircuitState.Open, r.State(InsightPart.Medications));
        await r.CloseAllAsync();
        Assert.Equal(InsightPartStatus.Ok, (await r.Run(InsightPart.Medications, _ => Task.FromResult(1), CancellationToken.None)).Status);
    }

    [Theory]
    [InlineData("ForecastDeadline")]
    [InlineData("MaxRetries")]
    [InlineData("BreakerFailureRatio")]
    [InlineData("BreakerMinimumThroughput")]
    public void Invalid_settings_are_refused_at_start(string setting)
    {
        var o = new InsightsOptions();
        switch (setting)
        {
            case "ForecastDeadline": o.ForecastDeadline = TimeSpan.Zero; break;
            case "MaxRetries": o.MaxRetries = -1; break;
            case "BreakerFailureRatio": o.BreakerFailureRatio = 1.5; break;
            default: o.BreakerMinimumThroughput = 1; break;
        }
        Assert.Contains(setting, Assert.Throws<ArgumentException>(() => o.Validated()).Message);
    }
}
