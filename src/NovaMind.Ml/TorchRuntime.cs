using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace NovaMind.Ml;

/// <summary>Where models run, and how TorchSharp finds its native backend.</summary>
public static class TorchRuntime
{
    private static readonly string[] LibTorchLibraries = ["libc10.so", "libtorch_cpu.so", "libc10_cuda.so", "libtorch_cuda.so", "libtorch.so"];
    private static int _initialised;

    /// <summary>
    /// Optionally points TorchSharp at an existing libtorch (e.g. a PyTorch installation's <c>torch/lib</c>) instead of
    /// the natives shipped with the app: loads its libraries in dependency order, then the app's own
    /// <c>libLibTorchSharp.so</c>, then initialises CUDA when the libraries include it. Call before any torch use.
    /// </summary>
    public static void Initialize(string? libTorchDirectory)
    {
        if (Interlocked.Exchange(ref _initialised, 1) == 1 || string.IsNullOrWhiteSpace(libTorchDirectory)) return;
        if (!Directory.Exists(libTorchDirectory))
            throw new DirectoryNotFoundException($"Inference:LibTorchPath points to {libTorchDirectory}, which does not exist");
        var loadedCuda = false;
        foreach (var library in LibTorchLibraries)
        {
            var path = Path.Combine(libTorchDirectory, library);
            if (!File.Exists(path)) continue; // a CPU-only libtorch has no CUDA libraries
            NativeLibrary.Load(path);
            loadedCuda |= library.Contains("cuda", StringComparison.Ordinal);
        }
        var own = new[] { Path.Combine(AppContext.BaseDirectory, "libLibTorchSharp.so"), Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so") }
            .FirstOrDefault(File.Exists) ?? throw new FileNotFoundException("libLibTorchSharp.so is not next to the application");
        NativeLibrary.Load(own);
        if (loadedCuda) InitializeDeviceType(DeviceType.CUDA);
    }

    /// <summary><c>auto</c> (CUDA when available), <c>cpu</c> or <c>cuda</c>.</summary>
    public static Device ResolveDevice(string? setting) => (setting ?? "auto").ToLowerInvariant() switch
    {
        "auto" => cuda.is_available() ? CUDA : CPU,
        "cpu" => CPU,
        "cuda" => cuda.is_available() ? CUDA : throw new InvalidOperationException("Inference:Device is 'cuda' but no CUDA device is available"),
        var other => throw new ArgumentException($"Inference:Device must be auto, cpu or cuda; got '{other}'"),
    };

    /// <summary>What the silo's models run on, as configured and as resolved: reported in /ready and in model answers.</summary>
    public static InferenceDevice DescribeDevice(string? setting, Device resolved)
    {
        var requested = (setting ?? "auto").ToLowerInvariant();
        var name = resolved.type == DeviceType.CUDA ? "cuda" : "cpu";
        var fellBack = requested == "auto" && name == "cpu";
        var description = fellBack
            ? "Inference:Device=auto found no CUDA device, so models run on the CPU (fp32)"
            : $"Inference:Device={requested}: models run on {name}";
        return new InferenceDevice(requested, name, fellBack, description);
    }

    /// <summary>
    /// libtorch's intra-op threads for CPU inference. Served batches are small and the autoregressive decoder runs
    /// hundreds of tiny ops per call; waking a second thread for each costs more than it gains, and the silo's other
    /// work needs the other cores. The served forecaster was measured ~6× faster per request with one thread on a
    /// 2-core host (docs/benchmarks.md). Applies to threads that start torch work after the call.
    /// </summary>
    public static void UseCpuThreads(int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        set_num_threads(threads);
    }
}

/// <param name="Requested">The setting: auto, cpu or cuda.</param>
/// <param name="Name">What models run on: cpu or cuda.</param>
/// <param name="FellBack">True when auto found no CUDA device and fell back to the CPU.</param>
public sealed record InferenceDevice(string Requested, string Name, bool FellBack, string Description);
