using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Threading.Channels;

namespace NovaMind.Ml.Inference;

public sealed record InferenceSchedulerOptions
{
    /// <summary>Most requests run in one forward pass.</summary>
    public int MaxBatchSize { get; init; } = 64;

    /// <summary>How long the first request of a batch may wait for company.</summary>
    public TimeSpan MaxQueueDelay { get; init; } = TimeSpan.FromMilliseconds(5);

    /// <summary>Requests waiting beyond this are refused (backpressure), never buffered without bound.</summary>
    public int QueueCapacity { get; init; } = 4096;
}

/// <summary>The scheduler's queue is full; the caller should back off and retry.</summary>
public sealed class InferenceOverloadedException(string model, int capacity)
    : Exception($"inference for model '{model}' is overloaded: {capacity} requests are already queued");

/// <summary>
/// Silo-local dynamic batcher for one model: requests from any number of callers are queued, gathered
/// into batches (up to <see cref="InferenceSchedulerOptions.MaxBatchSize"/>, or whatever arrived within
/// <see cref="InferenceSchedulerOptions.MaxQueueDelay"/> of the batch's first request) and run on one
/// dedicated executor thread, so the model (and its native threads) is never used concurrently.
/// </summary>
public sealed class InferenceScheduler<TInput, TOutput> : IDisposable
{
    public const string MeterName = "NovaMind.Inference";
    private static readonly Meter SchedulerMeter = new(MeterName);

    private readonly IBatchModel<TInput, TOutput> _model;
    private readonly InferenceSchedulerOptions _options;
    private readonly Channel<WorkItem> _queue;
    private readonly Thread _executor;
    private readonly string _name;
    private readonly KeyValuePair<string, object?> _modelTag;
    private int _depth;

    private static readonly Histogram<int> BatchSizes = SchedulerMeter.CreateHistogram<int>("novamind.inference.batch_size", "{request}", "Requests per executed batch");
    private static readonly Histogram<double> QueueWait = SchedulerMeter.CreateHistogram<double>("novamind.inference.queue_wait", "ms", "Time a request waited before its batch ran");
    private static readonly Histogram<double> ComputeTime = SchedulerMeter.CreateHistogram<double>("novamind.inference.compute_time", "ms", "Forward-pass time per batch");
    private static readonly Counter<long> Rejections = SchedulerMeter.CreateCounter<long>("novamind.inference.rejections", "{request}", "Requests refused because the queue was full");

    public InferenceScheduler(string name, IBatchModel<TInput, TOutput> model, InferenceSchedulerOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxBatchSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.QueueCapacity, 1);
        _name = name;
        _model = model;
        _options = options;
        _modelTag = new("model", name);
        _queue = Channel.CreateBounded<WorkItem>(new BoundedChannelOptions(options.QueueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait, // TryWrite fails when full; we never wait
        });
        SchedulerMeter.CreateObservableGauge("novamind.inference.queue_depth", () => new Measurement<int>(Volatile.Read(ref _depth), _modelTag), "{request}", "Requests waiting for a batch");
        _executor = new Thread(RunExecutor) { IsBackground = true, Name = $"inference-{name}" };
        _executor.Start();
    }

    public string ModelVersion => _model.Version;

    public Task<TOutput> EnqueueAsync(TInput input, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var item = new WorkItem(input, Stopwatch.GetTimestamp());
        if (!_queue.Writer.TryWrite(item))
        {
            Rejections.Add(1, _modelTag);
            if (!_queue.Reader.Completion.IsCompleted)
                throw new InferenceOverloadedException(_name, _options.QueueCapacity);
            throw new ObjectDisposedException(nameof(InferenceScheduler<TInput, TOutput>));
        }
        Interlocked.Increment(ref _depth);
        if (cancellationToken.CanBeCanceled)
            item.CancellationRegistration = cancellationToken.Register(static s => ((WorkItem)s!).Completion.TrySetCanceled(), item);
        return item.Completion.Task;
    }

    private void RunExecutor()
    {
        var batch = new List<WorkItem>(_options.MaxBatchSize);
        var inputs = new List<TInput>(_options.MaxBatchSize);
        while (WaitForWork())
        {
            batch.Clear();
            if (!_queue.Reader.TryRead(out var first)) continue;
            batch.Add(first);
            var deadline = first.EnqueuedAt + (long)(_options.MaxQueueDelay.TotalSeconds * Stopwatch.Frequency);
            while (batch.Count < _options.MaxBatchSize)
            {
                if (_queue.Reader.TryRead(out var next)) { batch.Add(next); continue; }
                var remaining = deadline - Stopwatch.GetTimestamp();
                if (remaining <= 0) break;
                // Wait for more work, but not beyond the first request's deadline.
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds((double)remaining / Stopwatch.Frequency));
                try
                {
                    if (!_queue.Reader.WaitToReadAsync(timeout.Token).AsTask().GetAwaiter().GetResult()) break;
                }
                catch (OperationCanceledException) { break; }
            }
            Interlocked.Add(ref _depth, -batch.Count);
            Execute(batch, inputs);
        }
    }

    private bool WaitForWork()
    {
        try { return _queue.Reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult(); }
        catch (ChannelClosedException) { return false; }
    }

    private void Execute(List<WorkItem> batch, List<TInput> inputs)
    {
        // Requests cancelled while queued are dropped here, before they cost a forward pass.
        batch.RemoveAll(w => w.Completion.Task.IsCompleted);
        if (batch.Count == 0) return;
        inputs.Clear();
        var now = Stopwatch.GetTimestamp();
        foreach (var w in batch)
        {
            inputs.Add(w.Input);
            QueueWait.Record(Stopwatch.GetElapsedTime(w.EnqueuedAt, now).TotalMilliseconds, _modelTag);
        }
        BatchSizes.Record(batch.Count, _modelTag);
        try
        {
            var started = Stopwatch.GetTimestamp();
            var outputs = _model.Predict(inputs);
            ComputeTime.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds, _modelTag);
            if (outputs.Length != batch.Count)
                throw new InvalidOperationException($"model '{_name}' returned {outputs.Length} outputs for {batch.Count} inputs");
            for (var i = 0; i < batch.Count; i++) batch[i].Complete(outputs[i]);
        }
        catch (Exception ex)
        {
            foreach (var w in batch) w.Fail(ex);
        }
    }

    /// <summary>Stops accepting requests, lets the executor finish what is queued, then returns.</summary>
    public void Dispose()
    {
        _queue.Writer.TryComplete();
        _executor.Join();
        while (_queue.Reader.TryRead(out var orphan)) orphan.Fail(new ObjectDisposedException(nameof(InferenceScheduler<TInput, TOutput>)));
    }

    private sealed class WorkItem(TInput input, long enqueuedAt)
    {
        public TInput Input { get; } = input;
        public long EnqueuedAt { get; } = enqueuedAt;
        public TaskCompletionSource<TOutput> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public CancellationTokenRegistration CancellationRegistration { get; set; }

        public void Complete(TOutput output)
        {
            CancellationRegistration.Dispose();
            Completion.TrySetResult(output);
        }

        public void Fail(Exception ex)
        {
            CancellationRegistration.Dispose();
            Completion.TrySetException(ex);
        }
    }
}
