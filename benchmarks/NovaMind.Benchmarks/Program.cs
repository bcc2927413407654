using System.Diagnostics;
using System.Globalization;
using System.Text;
using NovaMind.Benchmarks;
using NovaMind.Ml;
using NovaMind.Ml.Forecasting;
using NovaMind.Ml.Inference;
using static TorchSharp.torch;

// `correlation`: the lag-correlation engine (CorrelationBenchmark); `statistical`: the per-patient ETS member. Otherwise the scheduler benchmark: the raw model's static batch sweep, then per concurrency (a) one model call per request
// and (b) the scheduler, then memory over many requests. Usage:
//   dotnet run -c Release --project benchmarks/NovaMind.Benchmarks -- [--model transformer|forecast] [--seconds 2]
//     [--concurrency 1,16,256,4096] [--max-batch 256] [--delays-ms 0,2] [--device auto|cpu|cuda] [--half]
//     [--libtorch DIR] [--memory-requests 100000] [--torch-threads N] [--out FILE]
if (args.FirstOrDefault() == "statistical")
{
    NovaMind.Benchmarks.StatisticalForecastBenchmark.Run(Console.WriteLine);
    NovaMind.Benchmarks.StatisticalForecastBenchmark.RunServing(Console.WriteLine, args.Length > 1 ? args[1] : "models");
    return 0;
}
if (args.FirstOrDefault() == "correlation")
{
    NovaMind.Benchmarks.CorrelationBenchmark.Run(Console.WriteLine);
    return 0;
}
var options = Args.Parse(args);
TorchRuntime.Initialize(options.LibTorch);
var device = TorchRuntime.ResolveDevice(options.Device);
if (options.TorchThreads is { } torchThreads) TorchRuntime.UseCpuThreads(torchThreads);
var report = new StringBuilder();
void Say(string line) { Console.WriteLine(line); report.AppendLine(line); }

IBatchModel<float[], float> model;
int inputLength;
string deviceName;
if (options.Model == "forecast")
{
    var forecast = SymptomForecaster.LoadCurrent(Path.Combine(FindModelsRoot(), "forecast"), device, options.Half);
    model = new ForecastAdapter(forecast);
    inputLength = 1;
    deviceName = options.Half && device.type == TorchSharp.DeviceType.CUDA ? $"{device} fp16" : $"{device}";
}
else
{
    var transformer = new TransformerBenchModel(device, options.Half);
    model = transformer;
    inputLength = TransformerBenchModel.Sequence * TransformerBenchModel.Features;
    deviceName = transformer.DeviceName;
}

var random = new Random(7);
var pool = Enumerable.Range(0, 1024).Select(_ => Enumerable.Range(0, inputLength).Select(_ => (float)random.NextDouble()).ToArray()).ToArray();
float[] Input(int i) => pool[i & 1023];

Say($"# Scheduler benchmark — model `{options.Model}` on {deviceName}{(device.type == TorchSharp.DeviceType.CUDA ? $" ({CudaName()})" : "")}");
Say("");
Say($"- date: {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC; machine: {Environment.ProcessorCount} logical CPUs, {CpuName()}; .NET {Environment.Version}; torch threads {get_num_threads()}");
Say($"- settings: {options.Seconds} s per point, scheduler max batch {options.MaxBatch}, max queue delays {string.Join(" and ", options.DelaysMs)} ms (0 = work-conserving: dispatch whatever waits as soon as the model is free)");
Say("");

// Warm-up (JIT, allocator, kernels).
for (var i = 0; i < 20; i++) model.Predict(Enumerable.Range(0, Math.Min(64, options.MaxBatch)).Select(Input).ToArray());

// 1. Raw model, static batches.
Say("## Raw model, static batch sizes");
Say("");
Say("| batch | ms per batch | sequences/s |");
Say("|---:|---:|---:|");
double bestStatic = 0;
var staticMs = new Dictionary<int, double>();
for (var b = 1; b <= options.MaxBatch; b *= 2)
{
    var batch = Enumerable.Range(0, b).Select(Input).ToArray();
    var sw = Stopwatch.StartNew();
    var runs = 0;
    while (sw.Elapsed.TotalSeconds < options.Seconds / 2.0 || runs < 3) { model.Predict(batch); runs++; }
    var ms = sw.Elapsed.TotalMilliseconds / runs;
    staticMs[b] = ms;
    var rate = b * 1000.0 / ms;
    bestStatic = Math.Max(bestStatic, rate);
    Say($"| {b} | {ms:F3} | {rate:N0} |");
}
Say("");

// 2. Per concurrency: one model call per request vs the scheduler.
Say("## Closed-loop clients: one model call per request (a) vs the scheduler (b)");
Say("");
Say("| concurrency | (a) req/s | (a) p50 ms | (a) p99 ms | delay ms | (b) req/s | (b) p50 ms | (b) p99 ms | (b) mean batch | (b) vs replay of its batches | (b) / best static |");
Say("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
using var executor = new DeviceExecutor("bench");
var bounds = new List<string>();
foreach (var c in options.Concurrency)
{
    var direct = await ClosedLoop(c, options.Seconds, i => executor.RunAsync(() => model.Predict([Input(i)])[0]));
    foreach (var delay in options.DelaysMs)
    {
        var recording = new RecordingModel<float[], float>(model);
        using var scheduler = new InferenceScheduler<float[], float>("bench", recording, new InferenceSchedulerOptions
        {
            MaxBatchSize = options.MaxBatch,
            MaxQueueDelay = TimeSpan.FromMilliseconds(delay),
            QueueCapacity = Math.Max(8192, c * 2),
        }, executor);
        var scheduled = await ClosedLoop(c, options.Seconds, i => scheduler.EnqueueAsync(Input(i)));
        var sizes = recording.BatchSizes;

        // Replay exactly those batches straight into the model: the cost of the model alone.
        var replay = Stopwatch.StartNew();
        var replayed = 0;
        foreach (var size in sizes)
        {
            model.Predict(Enumerable.Range(replayed, size).Select(Input).ToArray());
            replayed += size;
        }
        var replayRate = replayed / replay.Elapsed.TotalSeconds;
        var meanBatch = sizes.Count == 0 ? 0 : sizes.Average();
        Say($"| {c} | {direct.Rate:N0} | {direct.P50:F2} | {direct.P99:F2} | {delay} | {scheduled.Rate:N0} | {scheduled.P50:F2} | {scheduled.P99:F2} | {meanBatch:F1} | {scheduled.Rate / replayRate:P1} | {scheduled.Rate / bestStatic:P1} |");
        if (c == options.Concurrency.Max())
        {
            var typicalBatch = (int)Math.Min(options.MaxBatch, Math.Pow(2, Math.Ceiling(Math.Log2(Math.Max(1, meanBatch)))));
            var computeMs = staticMs[typicalBatch];
            bounds.Add($"- concurrency {c}, delay {delay} ms: p99 {scheduled.P99:F2} ms against max queue delay + 2 × compute of a batch of {typicalBatch} = {delay + 2 * computeMs:F2} ms; throughput {scheduled.Rate / bestStatic:P1} of the best static batch.");
        }
    }
}
Say("");
foreach (var b in bounds) Say(b);
Say("");
Say("(b) vs replay: the scheduler's end-to-end request rate divided by the rate of running the very batches it formed directly on the model, back to back; 100% means no overhead.");
Say("");

// 3. Memory over many requests.
Say($"## Memory over {options.MemoryRequests:N0} scheduled requests (concurrency 256)");
Say("");
Say("| requests | process RSS MiB | managed heap MiB |");
Say("|---:|---:|---:|");
using (var scheduler = new InferenceScheduler<float[], float>("bench-memory", model, new InferenceSchedulerOptions { MaxBatchSize = options.MaxBatch, MaxQueueDelay = TimeSpan.FromMilliseconds(options.DelaysMs[^1]) }, executor))
{
    var done = 0;
    var step = Math.Max(1, options.MemoryRequests / 10);
    while (done < options.MemoryRequests)
    {
        var target = done + step;
        await Task.WhenAll(Enumerable.Range(0, 256).Select(async w =>
        {
            for (var i = done + w; i < target; i += 256) await scheduler.EnqueueAsync(Input(i));
        }));
        done = target;
        GC.Collect();
        GC.WaitForPendingFinalizers();
        using var process = Process.GetCurrentProcess();
        Say($"| {done:N0} | {process.WorkingSet64 / 1048576.0:F1} | {GC.GetTotalMemory(false) / 1048576.0:F1} |");
    }
}

if (options.Out is not null) await File.WriteAllTextAsync(options.Out, report.ToString());
return 0;

static async Task<(double Rate, double P50, double P99)> ClosedLoop(int concurrency, double seconds, Func<int, Task<float>> call)
{
    var stop = Stopwatch.StartNew();
    var latencies = new List<double>[concurrency];
    var counter = 0;
    await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async w =>
    {
        await Task.Yield();
        var mine = latencies[w] = new List<double>(1024);
        while (stop.Elapsed.TotalSeconds < seconds)
        {
            var started = Stopwatch.GetTimestamp();
            await call(Interlocked.Increment(ref counter));
            mine.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
    }));
    var elapsed = stop.Elapsed.TotalSeconds;
    var all = latencies.SelectMany(l => l).Order().ToArray();
    return (all.Length / elapsed, Percentile(all, 0.50), Percentile(all, 0.99));
}

static double Percentile(double[] sorted, double q) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)(q * sorted.Length))];

static string CpuName()
{
    try { return File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU"; }
    catch (IOException) { return "unknown CPU"; }
}

static string CudaName()
{
    try
    {
        var psi = new ProcessStartInfo("nvidia-smi", "--query-gpu=name --format=csv,noheader") { RedirectStandardOutput = true };
        using var p = Process.Start(psi);
        return p?.StandardOutput.ReadToEnd().Trim() ?? "CUDA";
    }
    catch (Exception) { return "CUDA"; }
}

static string FindModelsRoot()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        if (Directory.Exists(Path.Combine(dir.FullName, "models", "forecast"))) return Path.Combine(dir.FullName, "models");
    throw new DirectoryNotFoundException("models/forecast not found");
}

internal sealed record Args(string Model, double Seconds, int[] Concurrency, int MaxBatch, double[] DelaysMs, string Device, bool Half, string? LibTorch, int MemoryRequests, string? Out, int? TorchThreads)
{
    public static Args Parse(string[] args)
    {
        string Get(string name, string fallback)
        {
            var i = Array.IndexOf(args, name);
            return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
        }
        return new Args(
            Get("--model", "transformer"),
            double.Parse(Get("--seconds", "2"), CultureInfo.InvariantCulture),
            [.. Get("--concurrency", "1,16,256,4096").Split(',').Select(int.Parse)],
            int.Parse(Get("--max-batch", "256"), CultureInfo.InvariantCulture),
            [.. Get("--delays-ms", "0,2").Split(',').Select(d => double.Parse(d, CultureInfo.InvariantCulture))],
            Get("--device", "auto"),
            args.Contains("--half"),
            args.Contains("--libtorch") ? Get("--libtorch", "") : null,
            int.Parse(Get("--memory-requests", "100000"), CultureInfo.InvariantCulture),
            args.Contains("--out") ? Get("--out", "") : null,
            args.Contains("--torch-threads") ? int.Parse(Get("--torch-threads", "1"), CultureInfo.InvariantCulture) : null);
    }
}

/// <summary>
/// The served forecast ensemble seen as float[] → float (the horizon-1 mean), for the same harness: each input's one
/// value picks one of 256 prepared requests (simulated patients, symptoms in turn), so a batch mixes patients and symptoms.
/// </summary>
internal sealed class ForecastAdapter : IBatchModel<float[], float>
{
    private readonly SymptomForecaster _model;
    private readonly SymptomForecastInput[] _requests;

    public ForecastAdapter(SymptomForecaster model)
    {
        _model = model;
        var cohort = new NovaMind.Simulation.SymptomCohortSimulator(11).Simulate(256, 120, new DateOnly(2026, 6, 30));
        var symptoms = model.Symptoms.Select(s => { NovaMind.Domain.Observations.ObservationType.TryParse(s, out var t); return t; }).ToArray();
        _requests = [.. cohort.Patients.Select((p, i) => model.Prepare(p.Observations, symptoms[i % symptoms.Length], null)).OfType<SymptomForecastInput>()];
    }

    public string Version => _model.Version;

    public float[] Predict(IReadOnlyList<float[]> batch) =>
        [.. _model.Predict([.. batch.Select(x => _requests[(int)(x[0] * _requests.Length) % _requests.Length])]).Select(o => (float)o.Transformer[0])];
}
