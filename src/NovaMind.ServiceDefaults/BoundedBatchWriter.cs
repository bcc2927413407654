using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace NovaMind.ServiceDefaults;

/// <summary>
/// Hands items to a slow sink in batches, in order, off the caller's path, and never drops one: a failed batch is retried
/// (exponential backoff up to 5 s) until the sink takes it. Bounded: when <c>capacity</c> items wait, writers wait up to
/// <c>enqueueTimeout</c> and then fail, so a sink that is down for long turns into refusals instead of unbounded memory.
/// Items still waiting at shutdown are flushed by <see cref="FlushAsync"/>.
/// </summary>
public sealed partial class BoundedBatchWriter<T> : IAsyncDisposable
{
    private readonly Channel<T> _channel;
    private readonly Func<T[], CancellationToken, Task> _sink;
    private readonly int _maxBatch;
    private readonly TimeSpan _enqueueTimeout;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _pump;
    private long _delivered;

    public BoundedBatchWriter(Func<T[], CancellationToken, Task> sink, int capacity, int maxBatch, TimeSpan enqueueTimeout, ILogger logger)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatch, 1);
        _channel = Channel.CreateBounded<T>(new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true });
        _sink = sink;
        _maxBatch = maxBatch;
        _enqueueTimeout = enqueueTimeout;
        _logger = logger;
        _pump = Task.Run(PumpAsync);
    }

    /// <summary>Items accepted but not yet taken by the sink.</summary>
    public int Pending => _channel.Reader.Count;

    public long Delivered => Interlocked.Read(ref _delivered);

    /// <summary>Queues <paramref name="item"/>; throws <see cref="TimeoutException"/> when the queue stayed full for the enqueue timeout.</summary>
    public async ValueTask EnqueueAsync(T item, CancellationToken ct = default)
    {
        if (_channel.Writer.TryWrite(item)) return;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(_enqueueTimeout);
        try { await _channel.Writer.WriteAsync(item, timeout.Token); }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TimeoutException($"the queue stayed full ({_channel.Reader.Count} waiting) for {_enqueueTimeout.TotalSeconds:0.#} s");
        }
    }

    private async Task PumpAsync()
    {
        var batch = new List<T>(_maxBatch);
        while (await _channel.Reader.WaitToReadAsync())
        {
            while (batch.Count < _maxBatch && _channel.Reader.TryRead(out var item)) batch.Add(item);
            var items = batch.ToArray();
            batch.Clear();
            for (var attempt = 0; ; attempt++)
            {
                try
                {
                    await _sink(items, _stopping.Token);
                    Interlocked.Add(ref _delivered, items.Length);
                    break;
                }
                catch (Exception ex) when (!_stopping.IsCancellationRequested)
                {
                    LogRetry(ex, items.Length, attempt + 1);
                    await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(5000, 100 * Math.Pow(2, Math.Min(attempt, 6)))));
                }
            }
        }
    }

    /// <summary>Stops accepting items and waits (up to <paramref name="timeout"/>) until every accepted item reached the sink.</summary>
    public async Task<bool> FlushAsync(TimeSpan timeout)
    {
        _channel.Writer.TryComplete();
        var done = await Task.WhenAny(_pump, Task.Delay(timeout)) == _pump;
        if (!done)
        {
            LogNotFlushed(_channel.Reader.Count);
            await _stopping.CancelAsync();
        }
        return done;
    }

    public async ValueTask DisposeAsync()
    {
        await FlushAsync(TimeSpan.FromSeconds(30));
        _stopping.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "batch of {Count} not delivered (attempt {Attempt}); retrying")]
    private partial void LogRetry(Exception ex, int count, int attempt);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Count} queued items were not delivered before shutdown")]
    private partial void LogNotFlushed(int count);
}
