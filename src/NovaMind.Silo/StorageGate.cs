using NovaMind.ServiceDefaults;

namespace NovaMind.Silo;

/// <summary>
/// A silo cannot join its cluster without storage (membership lives there). When storage is unreachable at start-up the
/// silo waits for it instead of exiting: it serves <c>/health</c> (alive) and a <c>/ready</c> that says "not ready:
/// storage unreachable" on its HTTP address, retries with backoff (1 s doubling to 15 s), and starts Orleans once storage
/// answers. SIGTERM while waiting ends the process cleanly.
/// </summary>
public static class StorageGate
{
    public static async Task<bool> WaitUntilReachableAsync(StorageAccount storage, string? urls, ILogger log, CancellationToken stopping)
    {
        var problem = await ProbeAsync(storage, stopping);
        if (problem is null) return true;

        var waiting = WebApplication.CreateSlimBuilder();
        if (!string.IsNullOrWhiteSpace(urls)) waiting.WebHost.UseUrls(urls);
        waiting.Logging.ClearProviders();
        var app = waiting.Build();
        app.MapGet("/health", () => Results.Json(new { status = "Healthy", detail = "waiting for storage" }));
        app.MapGet("/ready", () => Results.Json(new { status = "Unhealthy", checks = new[] { new { name = "storage", status = "Unhealthy", description = $"storage unreachable: {problem}" } } },
            statusCode: StatusCodes.Status503ServiceUnavailable));
        await app.StartAsync(stopping);
        try
        {
            var delay = TimeSpan.FromSeconds(1);
            while (problem is not null)
            {
                log.LogWarning("Storage unreachable ({Problem}); the silo is not ready and retries in {Delay} s", problem, delay.TotalSeconds);
                try { await Task.Delay(delay, stopping); }
                catch (OperationCanceledException) { return false; }
                delay = TimeSpan.FromSeconds(Math.Min(15, delay.TotalSeconds * 2));
                problem = await ProbeAsync(storage, stopping);
            }
            log.LogInformation("Storage reachable; starting the silo");
            return true;
        }
        finally
        {
            await app.StopAsync(CancellationToken.None);
            await app.DisposeAsync();
        }
    }

    /// <summary>Null when the table service answers within 5 s; otherwise why not (no secrets, no data).</summary>
    private static async Task<string?> ProbeAsync(StorageAccount storage, CancellationToken stopping)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        try
        {
            await foreach (var _ in storage.Tables().QueryAsync(maxPerPage: 1, cancellationToken: timeout.Token)) break;
            return null;
        }
        catch (Exception ex) when (!stopping.IsCancellationRequested)
        {
            return ex is OperationCanceledException ? "no answer within 5 s" : (ex.InnerException ?? ex).Message;
        }
    }
}
