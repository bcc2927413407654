using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NovaMind.Contracts;

namespace NovaMind.ServiceDefaults;

/// <summary>
/// Audit records that need not hold up their caller (the gateway's allowed reads, the silo's model-serving records) on
/// their way to the audit chain: batched (up to the chain's 98 entries per transaction), in order, retried
/// until stored (a silo crash only delays them), bounded (<c>Audit:ReadQueueCapacity</c>, default 10,000; a request waits
/// at most <c>Audit:ReadQueueWait</c>, default 5 s, for room and is otherwise refused with 503), and flushed at shutdown.
/// What a gateway process loses if it dies abruptly is at most what was queued: usually milliseconds of reads.
/// </summary>
public sealed class AuditQueue : IHostedService, IAsyncDisposable
{
    private readonly BoundedBatchWriter<AuditEntryDto> _writer;

    public AuditQueue(IGrainFactory grains, IConfiguration configuration, ILogger<AuditQueue> logger)
    {
        _writer = new BoundedBatchWriter<AuditEntryDto>(
            (batch, _) => grains.GetGrain<IAuditLogGrain>(0).Append(batch),
            configuration.GetValue("Audit:ReadQueueCapacity", 10_000), AuditLimits.MaxEntriesPerAppend,
            configuration.GetValue("Audit:ReadQueueWait", TimeSpan.FromSeconds(5)), logger);
    }

    public int Pending => _writer.Pending;

    public async Task EnqueueAsync(AuditEntryDto entry)
    {
        try { await _writer.EnqueueAsync(entry); }
        catch (TimeoutException ex) { throw new AuditUnavailableException("the audit queue is full: the audit chain is not keeping up", ex); }
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>At shutdown every queued read reaches the chain before the process exits (within the host's shutdown time).</summary>
    public Task StopAsync(CancellationToken cancellationToken) => _writer.FlushAsync(TimeSpan.FromSeconds(25));

    public ValueTask DisposeAsync() => _writer.DisposeAsync();
}
