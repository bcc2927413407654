using Microsoft.Extensions.Options;
using NovaMind.Contracts;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;

namespace NovaMind.Grains.Insights;

/// <summary>The worker kinds an insights call fans out to; each has its own deadline and circuit breaker.</summary>
public enum InsightPart { Forecast, Correlations, Medications }

/// <summary>Deadlines, retries, circuit breakers and part caching of the insights fan-out (configuration section <c>Insights</c>).</summary>
public sealed class InsightsOptions
{
    public TimeSpan ForecastDeadline { get; set; } = TimeSpan.FromSeconds(2);
    public TimeSpan CorrelationsDeadline { get; set; } = TimeSpan.FromSeconds(2);
    public TimeSpan MedicationsDeadline { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>The whole call: a part still running then is answered as timed out.</summary>
    public TimeSpan OverallDeadline { get; set; } = TimeSpan.FromSeconds(4);

    /// <summary>Retries of a transient failure (within the part's deadline); 0 turns retries off.</summary>
    public int MaxRetries { get; set; } = 2;

    /// <summary>First retry delay; it doubles each retry, with jitter.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The breaker opens when at least this share of the calls in the sampling window failed …</summary>
    public double BreakerFailureRatio { get; set; } = 0.5;

    /// <summary>… and the window holds at least this many calls.</summary>
    public int BreakerMinimumThroughput { get; set; } = 4;

    public TimeSpan BreakerSamplingDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long an open breaker short-circuits before one probe call may try again (half-open).</summary>
    public TimeSpan BreakerBreakDuration { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How long a correlations or medications part is served from the twin's cache while its inputs are unchanged.</summary>
    public TimeSpan PartCacheTimeToLive { get; set; } = TimeSpan.FromMinutes(10);

    public TimeSpan Deadline(InsightPart part) => part switch
    {
        InsightPart.Forecast => ForecastDeadline,
        InsightPart.Correlations => CorrelationsDeadline,
        _ => MedicationsDeadline,
    };

    public InsightsOptions Validated()
    {
        foreach (var part in Enum.GetValues<InsightPart>())
            if (Deadline(part) <= TimeSpan.Zero) throw new ArgumentException($"Insights:{part}Deadline must be positive");
        if (OverallDeadline <= TimeSpan.Zero) throw new ArgumentException("Insights:OverallDeadline must be positive");
        if (MaxRetries < 0) throw new ArgumentException("Insights:MaxRetries must be 0 or more");
        if (BreakerFailureRatio is <= 0 or > 1) throw new ArgumentException("Insights:BreakerFailureRatio must be in (0, 1]");
        if (BreakerMinimumThroughput < 2) throw new ArgumentException("Insights:BreakerMinimumThroughput must be at least 2");
        if (BreakerSamplingDuration < TimeSpan.FromMilliseconds(500)) throw new ArgumentException("Insights:BreakerSamplingDuration must be at least 0.5 s");
        if (BreakerBreakDuration < TimeSpan.FromMilliseconds(500)) throw new ArgumentException("Insights:BreakerBreakDuration must be at least 0.5 s");
        return this;
    }
}

/// <summary>What one part's call came to: its status, its value when it has one, a safe problem text, and the calls made.</summary>
public sealed record PartOutcome<T>(InsightPartStatus Status, T? Value, string? Problem, int Attempts, TimeSpan Elapsed);

/// <summary>
/// One resilience pipeline per worker kind, shared by every twin on the silo (so the breaker sees the silo's whole
/// traffic to that kind): the part's deadline outermost, then retries of transient failures with exponential backoff
/// and jitter, then the circuit breaker, which counts every failed attempt (slow ones included: an attempt cut off by
/// a deadline counts). Built on Polly (ADR 0022).
/// </summary>
public sealed class WorkerResilience
{
    private readonly Dictionary<InsightPart, ResiliencePipeline> _pipelines;
    private readonly Dictionary<InsightPart, CircuitBreakerStateProvider> _states = Enum.GetValues<InsightPart>().ToDictionary(p => p, _ => new CircuitBreakerStateProvider());
    private readonly Dictionary<InsightPart, CircuitBreakerManualControl> _controls = Enum.GetValues<InsightPart>().ToDictionary(p => p, _ => new CircuitBreakerManualControl());
    private readonly InsightsOptions _options;
    private readonly TimeProvider _clock;

    public WorkerResilience(IOptions<InsightsOptions> options, TimeProvider clock)
    {
        _options = options.Value.Validated();
        _clock = clock;
        _pipelines = Enum.GetValues<InsightPart>().ToDictionary(p => p, Build);
    }

    public InsightsOptions Options => _options;

    /// <summary>The breaker's state for a part (closed, open, half-open), for health reporting and tests.</summary>
    public CircuitState State(InsightPart part) => _states[part].CircuitState;

    /// <summary>Closes every breaker and forgets its failures (after an operator fixed the cause; tests start clean with it).</summary>
    public async Task CloseAllAsync()
    {
        foreach (var control in _controls.Values) await control.CloseAsync();
    }

    private ResiliencePipeline Build(InsightPart part)
    {
        var builder = new ResiliencePipelineBuilder { TimeProvider = _clock, Name = $"insights-{part.ToString().ToLowerInvariant()}" }
            .AddTimeout(new TimeoutStrategyOptions { Timeout = _options.Deadline(part) });
        if (_options.MaxRetries > 0)
            builder.AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(TransientFaults.IsTransient),
                MaxRetryAttempts = _options.MaxRetries,
                Delay = _options.RetryBaseDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
            });
        return builder.AddCircuitBreaker(new CircuitBreakerStrategyOptions
        {
            // Every failed attempt counts, a cancelled (too slow) one too; the breaker's own rejection does not.
            ShouldHandle = new PredicateBuilder().Handle<Exception>(e => e is not BrokenCircuitException),
            FailureRatio = _options.BreakerFailureRatio,
            MinimumThroughput = _options.BreakerMinimumThroughput,
            SamplingDuration = _options.BreakerSamplingDuration,
            BreakDuration = _options.BreakerBreakDuration,
            StateProvider = _states[part],
            ManualControl = _controls[part],
        }).Build();
    }

    /// <summary>
    /// Runs <paramref name="call"/> for <paramref name="part"/> under its pipeline and the call's overall deadline
    /// (<paramref name="overall"/>). Never throws: every way it can end is an outcome. <paramref name="call"/> must
    /// stop waiting when its token is cancelled (a grain call it cannot cancel is abandoned with WaitAsync).
    /// </summary>
    public async Task<PartOutcome<T>> Run<T>(InsightPart part, Func<CancellationToken, Task<T>> call, CancellationToken overall)
    {
        var started = _clock.GetTimestamp();
        var attempts = 0;
        var name = Name(part);
        // Every attempt runs on the caller's scheduler: a retry after a backoff delay would otherwise start on a pool
        // thread, and a grain's code (the twin's) must run in its activation.
        var scheduler = TaskScheduler.Current;
        try
        {
            var value = await _pipelines[part].ExecuteAsync(async ct =>
            {
                Interlocked.Increment(ref attempts);
                return await Task.Factory.StartNew(() => call(ct), ct, TaskCreationOptions.None, scheduler).Unwrap();
            }, overall);
            return new(InsightPartStatus.Ok, value, null, attempts, _clock.GetElapsedTime(started));
        }
        catch (TimeoutRejectedException)
        {
            return new(InsightPartStatus.Timeout, default, $"the {name} took longer than its {Seconds(_options.Deadline(part))} deadline", attempts, _clock.GetElapsedTime(started));
        }
        catch (OperationCanceledException) when (overall.IsCancellationRequested)
        {
            return new(InsightPartStatus.Timeout, default, $"the insights' overall deadline of {Seconds(_options.OverallDeadline)} passed before the {name} finished", attempts, _clock.GetElapsedTime(started));
        }
        catch (BrokenCircuitException)
        {
            return new(InsightPartStatus.Unavailable, default,
                $"the {name} failed repeatedly on this silo; it is not called until a probe succeeds (circuit open, probing after {Seconds(_options.BreakerBreakDuration)})",
                attempts, _clock.GetElapsedTime(started));
        }
        catch (AcceleratorUnavailableException)
        {
            return new(InsightPartStatus.Unavailable, default, $"the {name} has no accelerator silo to run on (none is active in the cluster)", attempts, _clock.GetElapsedTime(started));
        }
        catch (Exception ex)
        {
            // The type only: a worker's message could one day carry something about the patient.
            return new(InsightPartStatus.Error, default, $"the {name} failed ({ex.GetType().Name}{(attempts > 1 ? $", after {attempts} attempts" : "")})", attempts, _clock.GetElapsedTime(started));
        }
    }

    private static string Name(InsightPart part) => part switch
    {
        InsightPart.Forecast => "forecast worker",
        InsightPart.Correlations => "correlation worker",
        _ => "pharmacogenomics worker",
    };

    private static string Seconds(TimeSpan t) => $"{t.TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture)} s";
}

/// <summary>Failures worth retrying: the callee may succeed a moment later (busy scheduler, silo restarting, call timed out in transit).</summary>
public static class TransientFaults
{
    public static bool IsTransient(Exception e) => e switch
    {
        InferenceUnavailableException => true,
        TimeoutException => true,
        Orleans.Runtime.SiloUnavailableException => true,
        Orleans.Runtime.OrleansMessageRejectionException => true,
        _ => false,
    };
}
