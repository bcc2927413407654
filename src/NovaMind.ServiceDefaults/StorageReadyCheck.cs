using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace NovaMind.ServiceDefaults;

/// <summary>
/// Ready only while storage answers (twin state, history, membership and the audit chain live there): a silo whose storage
/// is unreachable takes itself out of rotation instead of accepting work it cannot store. The answer is cached for 2 s so
/// frequent probes do not load storage.
/// </summary>
public sealed class StorageReadyCheck(StorageAccount storage, TimeProvider clock) : IHealthCheck
{
    private readonly Lock _gate = new();
    private (DateTimeOffset At, HealthCheckResult Result)? _last;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        lock (_gate)
            if (_last is { } last && clock.GetUtcNow() - last.At < TimeSpan.FromSeconds(2)) return last.Result;
        HealthCheckResult result;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(2));
        try
        {
            await foreach (var _ in storage.Tables().QueryAsync(maxPerPage: 1, cancellationToken: timeout.Token)) break;
            result = HealthCheckResult.Healthy("storage reachable");
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            result = HealthCheckResult.Unhealthy(ex is OperationCanceledException ? "storage unreachable: no answer within 2 s" : "storage unreachable", ex is OperationCanceledException ? null : ex);
        }
        lock (_gate) _last = (clock.GetUtcNow(), result);
        return result;
    }
}
