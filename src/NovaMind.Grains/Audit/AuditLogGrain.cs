using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using NovaMind.Contracts;
using NovaMind.Domain.Audit;
using Orleans.Concurrency;

namespace NovaMind.Grains.Audit;

/// <summary>
/// Appends to the audit chain with group commit: calls that arrive while a write is in flight are gathered into the next
/// transaction (up to <see cref="AuditStore.MaxBatch"/> entries), and each call completes when its entries are durable.
/// Reentrant so callers can queue during a write; all chain state is touched only on the grain's own turn.
/// </summary>
[Reentrant]
public sealed partial class AuditLogGrain(AuditStore store, ILogger<AuditLogGrain> logger) : Grain, IAuditLogGrain
{
    private readonly List<(AuditEntry[] Entries, TaskCompletionSource Done)> _pending = [];
    private bool _writing;
    private AuditStore.Head? _head;

    public Task Append(AuditEntryDto[] entries)
    {
        if (entries.Length == 0) return Task.CompletedTask;
        if (entries.Length > AuditStore.MaxBatch) throw new ArgumentException($"at most {AuditStore.MaxBatch} entries per call", nameof(entries));
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending.Add(([.. entries.Select(ToDomain)], done));
        if (!_writing)
        {
            // A flag, not the writer's Task: a writer that finishes synchronously must not leave a completed Task behind that blocks the next start.
            _writing = true;
            _ = WriteAllAsync();
        }
        return done.Task;
    }

    private async Task WriteAllAsync()
    {
        try
        {
            while (_pending.Count > 0)
            {
                var batch = new List<(AuditEntry[] Entries, TaskCompletionSource Done)>();
                var count = 0;
                while (_pending.Count > 0 && count + _pending[0].Entries.Length <= AuditStore.MaxBatch)
                {
                    batch.Add(_pending[0]);
                    count += _pending[0].Entries.Length;
                    _pending.RemoveAt(0);
                }
                try
                {
                    await WriteAsync([.. batch.SelectMany(b => b.Entries)]);
                    foreach (var b in batch) b.Done.TrySetResult();
                }
                catch (Exception ex)
                {
                    LogWriteFailed(ex, count);
                    foreach (var b in batch) b.Done.TrySetException(new AuditUnavailableException($"the audit trail could not be written: {ex.GetType().Name}"));
                }
            }
        }
        finally
        {
            _writing = false;
        }
    }

    /// <summary>One transaction; if another writer moved the head (or a previous outcome was unknown), re-read it and retry.</summary>
    private async Task WriteAsync(IReadOnlyList<AuditEntry> entries)
    {
        for (var attempt = 1; ; attempt++)
        {
            _head ??= await store.ReadHeadAsync();
            try
            {
                _head = await store.AppendAsync(_head, entries);
                return;
            }
            catch (Exception ex) when (attempt < 4 && ex is RequestFailedException or TableTransactionFailedException)
            {
                _head = null; // stale or unknown: read it again
            }
            catch
            {
                _head = null;
                throw;
            }
        }
    }

    private static AuditEntry ToDomain(AuditEntryDto e) =>
        new(e.Time, e.Subject, e.Roles, e.Action, e.Patient, e.Resource, e.Outcome, e.BreakGlass, e.TraceId, e.Source);

    [LoggerMessage(Level = LogLevel.Error, Message = "Audit chain: {Count} entries could not be written")]
    private partial void LogWriteFailed(Exception ex, int count);
}
