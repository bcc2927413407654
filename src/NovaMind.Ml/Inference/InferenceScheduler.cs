using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace NovaMind.Ml.Inference;

public sealed record InferenceSchedulerOptions
{
    /// <summary>Most requests run in one forward pass.</summary>
    public int MaxBatchSize { get; set; } = 64;

    /// <summary>How long the oldest waiting request may wait for company before its batch runs.</summary>
    public TimeSpan MaxQueueDelay { get; set; } = TimeSpan.FromMilliseconds(5);

    /// <summary>
    /// Batch sizes the model runs best at (e.g. powers of two on a GPU). When at least the largest one is
    /// waiting it runs at once; when the delay expires, the largest preferred size that fits is taken.
    /// Empty: take whatever is waiting.
    /// </summary>
    public int[] PreferredBatchSizes { get; set; } = [];

    /// <summary>Requests waiting beyond this are refused (backpressure), never buffered without bound.</summary>
    public int QueueCapacity { get; set; } = 4096;
}

/// <summary>
/// Silo-local dynamic batcher for one model. Requests from any number of callers wait in a bounded,
/// prioritised queue (crisis before clinician before background, first come first served within a
/// priority); a batching thread forms batches — up to <see cref="InferenceSchedulerOptions.MaxBatchSize"/>,
/// preferring <see cref="InferenceSchedulerOptions.PreferredBatchSizes"/>, never holding the oldest request
/// longer than <see cref="InferenceSchedulerOptions.MaxQueueDelay"/> — and runs them on the device's
/// <see cref="DeviceExecutor"/>. A request whose deadline passes while queued fails with
/// <see cref="InferenceDeadlineExceededException"/> and is never executed; a cancelled one is dropped. When
/// the queue is full, a request evicts the newest queued request of lower priority, or is refused with
/// <see cref="InferenceOverloadedException"/>.
/// </summary>
public sealed class InferenceScheduler<TInput, TOutput> : IDisposable
{
    public const string MeterName = "NovaMind.Inference";
    private static readonly Meter SchedulerMeter = new(MeterName);
    private static readonly Histogram<int> BatchSizes = SchedulerMeter.CreateHistogram<int>("novamind.inference.batch_size", "{request}", "Requests per executed batch");
    private static readonly Histogram<double> QueueWait = SchedulerMeter.CreateHistogram<double>("novamind.inference.queue_wait", "ms", "Time a request waited before its batch ran");
    private static readonly Histogram<double> ComputeTime = SchedulerMeter.CreateHistogram<double>("novamind.inference.compute_time", "ms", "Model time per batch");
    private static readonly Counter<long> Rejections = SchedulerMeter.CreateCounter<long>("novamind.inference.rejections", "{request}", "Requests refused or evicted because the queue was full");
    private static readonly Counter<long> Expirations = SchedulerMeter.CreateCounter<long>("novamind.inference.expirations", "{request}", "Requests whose deadline passed while queued");
    private static readonly Counter<long> Cancellations = SchedulerMeter.CreateCounter<long>("novamind.inference.cancellations", "{request}", "Requests cancelled while queued");

    private static readonly int Priorities = Enum.GetValues<InferencePriority>().Length;

    private readonly IBatchModel<TInput, TOutput> _model;
    private readonly InferenceSchedulerOptions _options;
    private readonly DeviceExecutor _device;
    private readonly bool _ownsDevice;
    private readonly string _name;
    private readonly KeyValuePair<string, object?> _modelTag;
    private readonly int[] _preferredDescending;
    private readonly long _maxDelayTicks;

    private readonly object _lock = new();
    private readonly LinkedList<WorkItem>[] _queues;
    private int _count;
    private bool _closed;
    private readonly Thread _batcher;

    public InferenceScheduler(string name, IBatchModel<TInput, TOutput> model, InferenceSchedulerOptions options, DeviceExecutor? device = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxBatchSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.QueueCapacity, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(options.MaxQueueDelay.Ticks);
        if (options.PreferredBatchSizes.Any(s => s < 1 || s > options.MaxBatchSize))
            throw new ArgumentException("preferred batch sizes must lie in 1..MaxBatchSize", nameof(options));
        _name = name;
        _model = model;
        _options = options;
        _ownsDevice = device is null;
        _device = device ?? new DeviceExecutor($"{name}-private");
        _modelTag = new("model", name);
        _preferredDescending = [.. options.PreferredBatchSizes.Distinct().OrderDescending()];
        _maxDelayTicks = (long)(options.MaxQueueDelay.TotalSeconds * Stopwatch.Frequency);
        _queues = [.. Enumerable.Range(0, Priorities).Select(_ => new LinkedList<WorkItem>())];
        // Counters start at 0 for this model, so their series exist (and rate() works) before the first refusal.
        Rejections.Add(0, _modelTag);
        Expirations.Add(0, _modelTag);
        Cancellations.Add(0, _modelTag);
        SchedulerMeter.CreateObservableGauge("novamind.inference.queue_depth", () => new Measurement<int>(QueueDepth, _modelTag), "{request}", "Requests waiting for a batch");
        _batcher = new Thread(RunBatcher) { IsBackground = true, Name = $"batcher-{name}" };
        _batcher.Start();
    }

    public string ModelVersion => _model.Version;

    public int QueueDepth
    {
        get { lock (_lock) return _count; }
    }

    public Task<TOutput> EnqueueAsync(TInput input, CancellationToken cancellationToken = default) =>
        EnqueueAsync(input, InferenceRequestOptions.Default, cancellationToken);

    public Task<TOutput> EnqueueAsync(TInput input, InferenceRequestOptions request, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (request.Deadline is { } d && d <= TimeSpan.Zero)
            throw new InferenceDeadlineExceededException(_name, d);
        var item = new WorkItem(this, input, request.Priority, request.Deadline, Stopwatch.GetTimestamp());
        WorkItem? evicted = null;
        lock (_lock)
        {
            if (_closed) throw new ObjectDisposedException(nameof(InferenceScheduler<TInput, TOutput>));
            if (_count >= _options.QueueCapacity)
            {
                evicted = NewestBelow(request.Priority);
                if (evicted is null)
                {
                    Rejections.Add(1, _modelTag);
                    throw new InferenceOverloadedException(_name, _options.QueueCapacity);
                }
                RemoveLocked(evicted);
            }
            item.Node = _queues[(int)request.Priority].AddLast(item);
            _count++;
            Monitor.Pulse(_lock);
        }
        if (evicted is not null)
        {
            Rejections.Add(1, _modelTag);
            evicted.Fail(new InferenceOverloadedException(_name, _options.QueueCapacity, $"evicted by a {request.Priority} request"));
        }
        // Timers and cancellation are armed after the item is visible; both go through TryRemove, so
        // whichever of batch / deadline / cancellation comes first wins and the others do nothing.
        if (request.Deadline is { } deadline)
            item.DeadlineTimer = new Timer(static s => ((WorkItem)s!).Owner.Expire((WorkItem)s!), item, deadline, Timeout.InfiniteTimeSpan);
        if (cancellationToken.CanBeCanceled)
            item.Cancellation = cancellationToken.Register(static s => ((WorkItem)s!).Owner.Cancel((WorkItem)s!), item);
        if (item.Completion.Task.IsCompleted) item.DisarmTimers();
        return item.Completion.Task;
    }

    private void Expire(WorkItem item)
    {
        if (!TryRemove(item)) return;
        Expirations.Add(1, _modelTag);
        item.Fail(new InferenceDeadlineExceededException(_name, item.Deadline ?? TimeSpan.Zero));
    }

    private void Cancel(WorkItem item)
    {
        if (!TryRemove(item)) return;
        Cancellations.Add(1, _modelTag);
        item.DisarmTimers();
        item.Completion.TrySetCanceled();
    }

    private bool TryRemove(WorkItem item)
    {
        lock (_lock)
        {
            if (item.Node?.List is null) return false;
            RemoveLocked(item);
            return true;
        }
    }

    private void RemoveLocked(WorkItem item)
    {
        item.Node!.List!.Remove(item.Node);
        item.Node = null;
        _count--;
    }

    private WorkItem? NewestBelow(InferencePriority priority)
    {
        for (var p = 0; p < (int)priority; p++)
            if (_queues[p].Last is { } newest) return newest.Value;
        return null;
    }

    private void RunBatcher()
    {
        var batch = new List<WorkItem>(_options.MaxBatchSize);
        while (TakeBatch(batch))
            Execute(batch);
    }

    /// <summary>Blocks until a batch is due; false once closed and drained.</summary>
    private bool TakeBatch(List<WorkItem> batch)
    {
        batch.Clear();
        lock (_lock)
        {
            while (true)
            {
                if (_count == 0)
                {
                    if (_closed) return false;
                    Monitor.Wait(_lock);
                    continue;
                }
                var size = DueBatchSize(out var waitTicks);
                if (size > 0)
                {
                    for (var p = Priorities - 1; p >= 0 && batch.Count < size; p--)
                        while (batch.Count < size && _queues[p].First is { } node)
                        {
                            batch.Add(node.Value);
                            RemoveLocked(node.Value);
                        }
                    return true;
                }
                Monitor.Wait(_lock, TimeSpan.FromSeconds(Math.Max(waitTicks, 1) / (double)Stopwatch.Frequency));
            }
        }
    }

    /// <summary>How many requests to take now, or 0 and how long to wait before asking again.</summary>
    private int DueBatchSize(out long waitTicks)
    {
        waitTicks = 0;
        if (_count >= _options.MaxBatchSize) return _options.MaxBatchSize;
        if (_preferredDescending.Length > 0 && _count >= _preferredDescending[0]) return _preferredDescending[0];
        var oldest = long.MaxValue;
        foreach (var q in _queues)
            if (q.First is { } head && head.Value.EnqueuedAt < oldest) oldest = head.Value.EnqueuedAt;
        var due = oldest + _maxDelayTicks - Stopwatch.GetTimestamp();
        if (due > 0 && !_closed)
        {
            waitTicks = due;
            return 0;
        }
        foreach (var preferred in _preferredDescending)
            if (preferred <= _count) return preferred;
        return _count;
    }

    private void Execute(List<WorkItem> batch)
    {
        var now = Stopwatch.GetTimestamp();
        var inputs = new TInput[batch.Count];
        for (var i = 0; i < batch.Count; i++)
        {
            batch[i].DisarmTimers();
            inputs[i] = batch[i].Input;
            QueueWait.Record(Stopwatch.GetElapsedTime(batch[i].EnqueuedAt, now).TotalMilliseconds, _modelTag);
        }
        BatchSizes.Record(batch.Count, _modelTag);
        try
        {
            var outputs = _device.RunAsync(() =>
            {
                var started = Stopwatch.GetTimestamp();
                var result = _model.Predict(inputs);
                ComputeTime.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds, _modelTag);
                return result;
            }).GetAwaiter().GetResult();
            if (outputs.Length != batch.Count)
                throw new InvalidOperationException($"model '{_name}' returned {outputs.Length} outputs for {batch.Count} inputs");
            for (var i = 0; i < batch.Count; i++) batch[i].Completion.TrySetResult(outputs[i]);
        }
        catch (Exception ex)
        {
            foreach (var w in batch) w.Fail(ex);
        }
    }

    /// <summary>Stops accepting requests, lets the batcher finish what is queued, then returns.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_closed) return;
            _closed = true;
            Monitor.PulseAll(_lock);
        }
        _batcher.Join();
        if (_ownsDevice) _device.Dispose();
    }

    private sealed class WorkItem(InferenceScheduler<TInput, TOutput> owner, TInput input, InferencePriority priority, TimeSpan? deadline, long enqueuedAt)
    {
        public InferenceScheduler<TInput, TOutput> Owner { get; } = owner;
        public TInput Input { get; } = input;
        public InferencePriority Priority { get; } = priority;
        public TimeSpan? Deadline { get; } = deadline;
        public long EnqueuedAt { get; } = enqueuedAt;
        public LinkedListNode<WorkItem>? Node { get; set; }
        public Timer? DeadlineTimer { get; set; }
        public CancellationTokenRegistration Cancellation { get; set; }
        public TaskCompletionSource<TOutput> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void DisarmTimers()
        {
            DeadlineTimer?.Dispose();
            Cancellation.Dispose();
        }

        public void Fail(Exception ex)
        {
            DisarmTimers();
            Completion.TrySetException(ex);
        }
    }
}
