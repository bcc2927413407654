using System.Diagnostics.Metrics;
using System.Runtime.InteropServices;

namespace NovaMind.Silo;

/// <summary>
/// GPU memory per device (<c>novamind_gpu_memory_used_bytes</c>, <c>novamind_gpu_memory_total_bytes</c>, label <c>gpu</c>)
/// read from NVIDIA's management library, which the NVIDIA container toolkit mounts into GPU pods. libtorch through
/// TorchSharp exposes no allocator statistics, and NVML's figure is what an operator compares with the card anyway
/// (it includes the caching allocator's reserve). Registered only on CUDA silos where NVML loads.
/// </summary>
public static class GpuMemoryMetrics
{
    private static readonly Meter GpuMeter = new("NovaMind.Gpu");

    /// <summary>Registers the gauges; false (and nothing registered) when NVML is absent or reports no device.</summary>
    public static bool TryRegister(out string description)
    {
        try
        {
            if (Nvml.Init() != 0 || Nvml.DeviceGetCount(out var count) != 0 || count == 0)
            {
                description = "NVML reported no GPU: no GPU memory metrics";
                return false;
            }
            var devices = new nint[count];
            for (var i = 0u; i < count; i++)
                if (Nvml.DeviceGetHandleByIndex(i, out devices[i]) != 0) devices[i] = 0;
            GpuMeter.CreateObservableGauge("novamind.gpu.memory_used", () => Read(devices, m => m.Used), "By", "GPU memory in use (NVML), per device");
            GpuMeter.CreateObservableGauge("novamind.gpu.memory_total", () => Read(devices, m => m.Total), "By", "GPU memory on the device (NVML)");
            description = $"GPU memory metrics for {count} device(s) from NVML";
            return true;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            description = "NVML (libnvidia-ml.so.1) is not available: no GPU memory metrics";
            return false;
        }
    }

    private static IEnumerable<Measurement<long>> Read(nint[] devices, Func<Nvml.Memory, ulong> pick)
    {
        for (var i = 0; i < devices.Length; i++)
            if (devices[i] != 0 && Nvml.DeviceGetMemoryInfo(devices[i], out var memory) == 0)
                yield return new Measurement<long>((long)pick(memory), new KeyValuePair<string, object?>("gpu", i));
    }

    private static class Nvml
    {
        private const string Library = "libnvidia-ml.so.1";

        [StructLayout(LayoutKind.Sequential)]
        public struct Memory
        {
            public ulong Total;
            public ulong Free;
            public ulong Used;
        }

        [DllImport(Library, EntryPoint = "nvmlInit_v2")]
        public static extern int Init();

        [DllImport(Library, EntryPoint = "nvmlDeviceGetCount_v2")]
        public static extern int DeviceGetCount(out uint count);

        [DllImport(Library, EntryPoint = "nvmlDeviceGetHandleByIndex_v2")]
        public static extern int DeviceGetHandleByIndex(uint index, out nint device);

        [DllImport(Library, EntryPoint = "nvmlDeviceGetMemoryInfo")]
        public static extern int DeviceGetMemoryInfo(nint device, out Memory memory);
    }
}
