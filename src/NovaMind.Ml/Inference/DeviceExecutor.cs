using System.Collections.Concurrent;

namespace NovaMind.Ml.Inference;

/// <summary>
/// One dedicated thread per compute device: every model call on that device runs here, one at a time, so
/// native runtimes (libtorch's CPU thread pool, a CUDA stream) are never driven from two threads at once.
/// </summary>
public sealed class DeviceExecutor : IDisposable
{
    private readonly BlockingCollection<Action> _work = new();
    private readonly Thread _thread;

    public DeviceExecutor(string device)
    {
        Device = device;
        _thread = new Thread(Run) { IsBackground = true, Name = $"device-{device}" };
        _thread.Start();
    }

    public string Device { get; }

    /// <summary>Runs <paramref name="work"/> on the device thread.</summary>
    public Task<T> RunAsync<T>(Func<T> work)
    {
        var completion = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        try
        {
            _work.Add(() =>
            {
                try { completion.SetResult(work()); }
                catch (Exception ex) { completion.SetException(ex); }
            });
        }
        catch (InvalidOperationException)
        {
            completion.SetException(new ObjectDisposedException(nameof(DeviceExecutor)));
        }
        return completion.Task;
    }

    private void Run()
    {
        foreach (var work in _work.GetConsumingEnumerable()) work();
    }

    public void Dispose()
    {
        _work.CompleteAdding();
        _thread.Join();
        _work.Dispose();
    }
}
