using System.Net;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using NovaMind.ServiceDefaults;
using NovaMind.Silo;
using Orleans.Configuration;

var builder = WebApplication.CreateBuilder(args);
builder.AddNovaMindServiceDefaults("novamind-silo");

// Fail fast, before Orleans starts, with a message that says how to fix it.
if (ProductionGuard.RefusesToStart(builder.Environment, builder.Configuration, "novamind-silo", checkTokenAuthority: false)) return 2;
StorageAccount storage;
try { storage = StorageAccount.FromConfiguration(builder.Configuration); TwinUpdateStreaming.FromConfiguration(builder.Configuration); NovaMindSiloExtensions.LoadKeyRing(builder.Configuration); NovaMindSiloExtensions.LoadAuditKey(builder.Configuration); ClusterTls.Load(builder.Configuration); }
catch (Exception ex) { Console.Error.WriteLine($"novamind-silo: {ex.Message}"); return 2; }

builder.UseOrleans(silo =>
{
    // Failure detection: a silo that stops answering probes is declared dead after NumMissedProbesLimit misses (defaults
    // here: 2, instead of Orleans' 3), so calls to its grains fail over sooner; tunable under Orleans:Membership.
    silo.Configure<ClusterMembershipOptions>(o =>
    {
        o.NumMissedProbesLimit = 2;
        builder.Configuration.GetSection("Orleans:Membership").Bind(o);
    });
    silo.Configure<ClusterOptions>(o =>
    {
        o.ClusterId = builder.Configuration["Orleans:ClusterId"] ?? "novamind-dev";
        o.ServiceId = builder.Configuration["Orleans:ServiceId"] ?? "novamind";
    });
    silo.ConfigureEndpoints(
        IPAddress.Parse(builder.Configuration["Orleans:AdvertisedIP"] ?? "127.0.0.1"),
        builder.Configuration.GetValue("Orleans:SiloPort", 11111),
        builder.Configuration.GetValue("Orleans:GatewayPort", 30000),
        listenOnAnyHostAddress: builder.Configuration.GetValue("Orleans:ListenOnAnyHostAddress", false));
    silo.UseAzureStorageClustering(o => o.TableServiceClient = storage.Tables());
    silo.AddNovaMind(builder.Configuration);
    silo.AddActivityPropagation(); // Orleans spans join the gateway's traces
});
builder.Services.AddSingleton(storage);
builder.Services.AddHealthChecks()
    .AddCheck<SiloReadyCheck>("orleans-silo", tags: [ServiceDefaultsExtensions.ReadyTag])
    .AddCheck<AcceleratorReadyCheck>("model-placement", tags: [ServiceDefaultsExtensions.ReadyTag])
    .AddCheck<ModelsReadyCheck>("models", tags: [ServiceDefaultsExtensions.ReadyTag])
    .AddCheck<StorageReadyCheck>("storage", tags: [ServiceDefaultsExtensions.ReadyTag]);

var app = builder.Build();
var inference = app.Services.GetRequiredService<NovaMind.Ml.InferenceDevice>();
var startupLog = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("NovaMind.Silo");
if (inference.FellBack) startupLog.LogWarning("Inference device: {Description}", inference.Description);
else startupLog.LogInformation("Inference device: {Description}", inference.Description);
if (inference.Name == "cuda")
{
    GpuMemoryMetrics.TryRegister(out var gpuMetrics);
    startupLog.LogInformation("GPU metrics: {Description}", gpuMetrics);
}
app.MapNovaMindHealthEndpoints();
app.MapNovaMindMetricsEndpoint(onlyOnMetricsPort: false); // the silo's HTTP port is internal to the cluster
// Storage unreachable at start-up: wait (alive, not ready) rather than exit; SIGTERM/SIGINT while waiting end cleanly.
using (var waiting = new CancellationTokenSource())
using (System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, c => { c.Cancel = true; waiting.Cancel(); }))
using (System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, c => { c.Cancel = true; waiting.Cancel(); }))
{
    if (!await StorageGate.WaitUntilReachableAsync(storage, builder.Configuration["urls"], app.Logger, waiting.Token)) return 0;
}
await app.RunAsync();
return 0;

/// <summary>Ready once this silo is an active member of the cluster; its details name the inference device (and a CPU fallback).</summary>
internal sealed class SiloReadyCheck(Orleans.Runtime.ISiloStatusOracle oracle, NovaMind.Ml.InferenceDevice device) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object>
        {
            ["inference_device"] = device.Name,
            ["inference_device_requested"] = device.Requested,
            ["inference_device_fallback"] = device.FellBack,
            ["inference_device_description"] = device.Description,
        };
        return Task.FromResult(oracle.CurrentStatus == Orleans.Runtime.SiloStatus.Active
            ? HealthCheckResult.Healthy("silo active", data)
            : HealthCheckResult.Unhealthy($"silo status {oracle.CurrentStatus}", data: data));
    }
}
