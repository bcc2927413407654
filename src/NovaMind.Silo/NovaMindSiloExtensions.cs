using Azure.Data.Tables;
using Azure.Storage.Queues;
using Microsoft.Extensions.Options;
using NovaMind.Contracts;
using NovaMind.Domain.Privacy;
using NovaMind.Grains.Persistence;
using NovaMind.Grains.Placement;
using NovaMind.Grains.Workers;
using NovaMind.Ml;
using NovaMind.Grains.Twins;
using NovaMind.Ml.Forecasting;
using NovaMind.Ml.Correlation;
using NovaMind.Ml.Inference;
using NovaMind.Ml.Pharmacogenomics;
using Orleans.Configuration;
using Orleans.Storage;

namespace NovaMind.Silo;

/// <summary>
/// The one place that wires NovaMind's grains, storage, streams and models into a silo; the silo process
/// and the in-process test clusters both use it, so tests run the configuration production runs.
/// </summary>
public static class NovaMindSiloExtensions
{
    /// <summary>Grain storage providers whose records are sealed with the key ring, and their tables.</summary>
    public static readonly (string Provider, string Table)[] SealedTables =
        [(PatientTwinGrain.StorageName, "NovaMindTwins"), (NovaMind.Grains.Access.CareTeamGrain.StorageName, "NovaMindAccess")];

    public const string VerifyClientCallsKey = "Access:VerifyClientCalls";

    /// <summary>Storage, keys and models. <paramref name="useConfiguredStreams"/> false gives in-memory streams instead of the configured transport (single-process test clusters).</summary>
    public static ISiloBuilder AddNovaMind(this ISiloBuilder silo, IConfiguration configuration, bool useConfiguredStreams = true)
    {
        var storage = NovaMind.ServiceDefaults.StorageAccount.FromConfiguration(configuration);
        NovaMind.ServiceDefaults.ClusterTls.Load(configuration).ApplyTo(silo); // mutual TLS: only holders of the cluster authority's certificates join
        silo.Services.AddSingleton(_ => LoadKeyRing(configuration));
        silo.Services.AddSingleton(_ => LoadPseudonymizer(configuration));
        silo.Services.AddSingleton(TimeProvider.System);
        // Client calls on patient data must name an authorised caller; only in-process test clusters that call grains
        // directly turn this off (Production refuses to).
        if (configuration.GetValue(VerifyClientCallsKey, true)) silo.AddIncomingGrainCallFilter<NovaMind.Grains.Access.ClientCallAccessFilter>();

        // Twins, and care teams with "my patients" lists (who may see a patient is itself sensitive), are sealed with the ring;
        // other providers keep their own serializer.
        foreach (var (provider, table) in SealedTables)
            silo.AddAzureTableGrainStorage(provider, ob => ob.Configure<TwinKeyRing, IServiceProvider>((o, ring, sp) =>
            {
                o.TableServiceClient = storage.Tables();
                o.TableName = table;
                o.GrainStorageSerializer = new EncryptedGrainStorageSerializer(new OrleansGrainStorageSerializer(sp.GetRequiredService<Orleans.Serialization.Serializer>()), ring);
            }));
        silo.Services.AddSingleton(sp => new SealedStateStore(
            [.. SealedTables.Select(t => storage.Tables().GetTableClient(t.Table))],
            sp.GetRequiredService<IOptions<Orleans.Configuration.ClusterOptions>>().Value.ServiceId,
            sp.GetRequiredService<ObservationHistoryStore>()));
        silo.Services.AddSingleton(_ => new NovaMind.Grains.Audit.AuditStore(storage.Tables(), LoadAuditKey(configuration)));
        silo.Services.AddSingleton(sp => new ObservationHistoryStore(storage.Tables(), sp.GetRequiredService<TwinKeyRing>()));
        silo.AddAzureTableGrainStorage(TwinStreams.PubSubStore, ob => ob.Configure(o =>
        {
            o.TableServiceClient = storage.Tables();
            o.TableName = "NovaMindPubSub";
        }));
        // Twin updates: Azure Queues or Event Hubs by configuration (Streaming:Provider), the same contract either way.
        if (useConfiguredStreams)
            NovaMind.ServiceDefaults.TwinUpdateStreaming.FromConfiguration(configuration).ApplyTo(silo, storage);
        else
            silo.AddMemoryStreams(TwinStreams.ProviderName);

        // Models: one executor thread per device; every scheduler of this silo runs its batches there.
        TorchRuntime.Initialize(configuration["Inference:LibTorchPath"]);
        var device = TorchRuntime.ResolveDevice(configuration["Inference:Device"]);
        silo.Services.AddSingleton(TorchRuntime.DescribeDevice(configuration["Inference:Device"], device));
        if (device.type == TorchSharp.DeviceType.CPU) TorchRuntime.UseCpuThreads(configuration.GetValue("Inference:CpuThreads", 1));
        // Placement:Accelerator overrides what the silo advertises (heterogeneous test clusters; devices torch cannot see).
        var accelerator = configuration["Placement:Accelerator"] ?? (device.type == TorchSharp.DeviceType.CUDA ? AcceleratorMetadata.Cuda : AcceleratorMetadata.Cpu);
        silo.AddAcceleratorPlacement(accelerator, configuration.GetValue("Placement:RequireAccelerator", true));
        silo.Services.AddSingleton(_ => new DeviceExecutor(accelerator));
        silo.Services.AddSingleton(new SiloAccelerator(accelerator));
        silo.Services.AddSingleton<ServedModels>();
        silo.Services.AddHostedService<ModelWarmup>();
        silo.Services.AddSingleton<NovaMind.ServiceDefaults.AuditQueue>();
        silo.Services.AddHostedService(sp => sp.GetRequiredService<NovaMind.ServiceDefaults.AuditQueue>());
        silo.Services.AddSingleton(sp => Served(sp, "forecast", SymptomForecaster.LoadCurrent(Path.Combine(ModelsRoot(configuration), "forecast"), device,
            halfPrecision: configuration.GetValue("Inference:HalfPrecision", true)), m => m.Version));
        silo.Services.AddSingleton(sp => new InferenceScheduler<SymptomForecastInput, SymptomForecastOutput>(
            "forecast", sp.GetRequiredService<SymptomForecaster>(),
            SchedulerOptions(configuration, "Forecast", device),
            sp.GetRequiredService<DeviceExecutor>()));
        // Forecasts are personalised from each patient's own backtest (issue 13); Forecasting:Personalisation tunes it.
        var personalisation = (configuration.GetSection("Forecasting:Personalisation").Get<NovaMind.Ml.Forecasting.Personalised.PersonalisationOptions>()
                               ?? new NovaMind.Ml.Forecasting.Personalised.PersonalisationOptions()).Validated();
        silo.Services.AddSingleton(sp => new PersonalisedForecaster(sp.GetRequiredService<SymptomForecaster>(), personalisation));
        silo.Services.Configure<ForecastCacheOptions>(configuration.GetSection("Twins:ForecastCache"));
        silo.Services.Configure<TwinHistoryOptions>(configuration.GetSection("Twins:History"));
        var workerOptions = configuration.GetSection("Inference:ForecastWorker").Get<ForecastWorkerOptions>() ?? new ForecastWorkerOptions();
        silo.Services.AddSingleton(Options.Create(workerOptions));
        // Insights fan-out: per-part deadlines, retries and one circuit breaker per worker kind on this silo (ADR 0022).
        silo.Services.AddSingleton(Options.Create((configuration.GetSection("Insights").Get<NovaMind.Grains.Insights.InsightsOptions>()
                                                   ?? new NovaMind.Grains.Insights.InsightsOptions()).Validated()));
        silo.Services.AddSingleton<NovaMind.Grains.Insights.WorkerResilience>();

        // Online validation (issue 16): twins score served forecasts as observations arrive; each silo merges the points into
        // per-version accuracy grains (aggregates only, their own table) next to the version's offline evaluation.
        silo.AddAzureTableGrainStorage(NovaMind.Grains.Monitoring.MonitoringStorage.Name, ob => ob.Configure(o =>
        {
            o.TableServiceClient = storage.Tables();
            o.TableName = NovaMind.Grains.Monitoring.MonitoringStorage.Table;
        }));
        silo.Services.AddSingleton(configuration.GetSection("Monitoring:LiveAccuracy").Get<NovaMind.Grains.Monitoring.LiveAccuracyOptions>() ?? new NovaMind.Grains.Monitoring.LiveAccuracyOptions());
        silo.Services.AddSingleton(configuration.GetSection("Monitoring:LiveError").Get<NovaMind.Domain.Monitoring.LiveAccuracyRule>() ?? new NovaMind.Domain.Monitoring.LiveAccuracyRule());
        silo.Services.AddSingleton(_ => new NovaMind.Grains.Monitoring.OfflineForecastAccuracy(Path.Combine(ModelsRoot(configuration), "forecast")));
        silo.Services.AddSingleton(_ => new NovaMind.Grains.Monitoring.OfflinePgxAccuracy(Path.Combine(ModelsRoot(configuration), "pgx")));
        silo.Services.AddSingleton<NovaMind.Grains.Monitoring.LiveAccuracyAggregator>();
        silo.Services.AddHostedService(sp => sp.GetRequiredService<NovaMind.Grains.Monitoring.LiveAccuracyAggregator>());
        // Drift and confidence (issue 16): served inputs and predictions against the training references of their version.
        silo.Services.AddSingleton((configuration.GetSection("Monitoring:Drift").Get<NovaMind.Grains.Monitoring.ForecastDriftOptions>() ?? new NovaMind.Grains.Monitoring.ForecastDriftOptions()).Validated());
        silo.Services.AddSingleton(configuration.GetSection("Monitoring:DriftRule").Get<NovaMind.Domain.Monitoring.DriftRule>() ?? new NovaMind.Domain.Monitoring.DriftRule());
        silo.Services.AddSingleton((configuration.GetSection("Monitoring:Confidence").Get<NovaMind.Domain.Monitoring.ConfidenceRule>() ?? new NovaMind.Domain.Monitoring.ConfidenceRule()).Validated());
        silo.Services.AddSingleton(_ => new NovaMind.Grains.Monitoring.ForecastDriftReferences(Path.Combine(ModelsRoot(configuration), "forecast")));
        silo.Services.AddSingleton<NovaMind.Grains.Monitoring.ForecastDriftMonitor>();
        silo.Services.AddHostedService(sp => sp.GetRequiredService<NovaMind.Grains.Monitoring.ForecastDriftMonitor>());

        silo.Services.AddSingleton(sp => Served(sp, "correlation", CorrelationModel.LoadCurrent(Path.Combine(ModelsRoot(configuration), "correlation"), device), m => m.Version));
        silo.Services.AddSingleton(sp => new InferenceScheduler<CorrelationWindowInput, CorrelationWindowOutput>(
            "correlation-attention", sp.GetRequiredService<CorrelationModel>(),
            SchedulerOptions(configuration, "CorrelationAttention", device),
            sp.GetRequiredService<DeviceExecutor>()));
        silo.Services.AddSingleton<ITemporalPatternEstimator>(sp => new ScheduledTemporalPatternEstimator(
            sp.GetRequiredService<InferenceScheduler<CorrelationWindowInput, CorrelationWindowOutput>>(), sp.GetRequiredService<CorrelationModel>(), workerOptions.RequestDeadline));

        silo.Services.AddSingleton(sp => Served(sp, "pgx", PgxModels.LoadCurrent(Path.Combine(ModelsRoot(configuration), "pgx")), m => m.Version));
        silo.Services.AddSingleton(sp => new InferenceScheduler<TreatmentResponseInput, TreatmentResponseOutput>(
            "pgx-response", sp.GetRequiredService<PgxModels>(),
            SchedulerOptions(configuration, "PgxResponse", device),
            sp.GetRequiredService<DeviceExecutor>()));
        silo.Services.AddSingleton<IPgxOutcomeEstimator>(sp => new ScheduledPgxOutcomeEstimator(
            sp.GetRequiredService<InferenceScheduler<TreatmentResponseInput, TreatmentResponseOutput>>(), sp.GetRequiredService<PgxModels>(), workerOptions.RequestDeadline));
        return silo;
    }

    /// <summary>
    /// Scheduler settings from Inference:&lt;model&gt;, defaulting by device as measured (docs/benchmarks.md): on CPU,
    /// work-conserving dispatch (no queue delay) and batches of at most 32, where libtorch peaks; on CUDA, a 2 ms
    /// gathering delay and batches up to 256. Configured values (e.g. Inference:Forecast:MaxBatchSize) override these.
    /// </summary>
    public static InferenceSchedulerOptions SchedulerOptions(IConfiguration configuration, string model, TorchSharp.torch.Device device)
    {
        var defaults = device.type == TorchSharp.DeviceType.CUDA
            ? new InferenceSchedulerOptions { MaxBatchSize = 256, MaxQueueDelay = TimeSpan.FromMilliseconds(2) }
            : new InferenceSchedulerOptions { MaxBatchSize = 32, MaxQueueDelay = TimeSpan.Zero };
        configuration.GetSection($"Inference:{model}").Bind(defaults); // configured values override the device defaults
        return defaults;
    }

    /// <summary>
    /// A model version this silo starts serving (what a promotion through models/&lt;kind&gt;/CURRENT takes effect as) is
    /// recorded in the audit chain: which silo, which model, which version, when. Recommendations can be traced to it.
    /// </summary>
    private static T Served<T>(IServiceProvider services, string kind, T model, Func<T, string> version)
    {
        services.GetRequiredService<ServedModels>().Record(kind, version(model));
        var silo = services.GetRequiredService<ILocalSiloDetails>().SiloAddress.ToString();
        _ = services.GetRequiredService<NovaMind.ServiceDefaults.AuditQueue>().EnqueueAsync(new AuditEntryDto(
            DateTimeOffset.UtcNow, $"silo {silo}", ["service"], "serve_model", null, $"model {kind} {version(model)}", "loaded", false, null, silo));
        return model;
    }

    public static TwinKeyRing LoadKeyRing(IConfiguration configuration)
    {
        var inline = configuration["NOVAMIND_KEYRING"];
        if (!string.IsNullOrWhiteSpace(inline)) return TwinKeyRing.Parse(inline);
        var file = configuration["Encryption:KeyRingFile"];
        if (!string.IsNullOrWhiteSpace(file))
        {
            if (!File.Exists(file)) throw new InvalidOperationException($"Encryption:KeyRingFile points to {file}, which does not exist. {TwinKeyRing.HowToProvide}");
            return TwinKeyRing.Parse(File.ReadAllText(file));
        }
        throw new InvalidOperationException($"No twin-state key ring is configured, so patient data cannot be encrypted at rest. {TwinKeyRing.HowToProvide}");
    }

    /// <summary>The audit checkpoint key (HMAC), separate from the data keys: Audit:CheckpointKey (base64) or the file Audit:CheckpointKeyFile.</summary>
    public static byte[] LoadAuditKey(IConfiguration configuration)
    {
        var key = configuration["Audit:CheckpointKey"];
        var file = configuration["Audit:CheckpointKeyFile"];
        if (string.IsNullOrWhiteSpace(key) && !string.IsNullOrWhiteSpace(file) && File.Exists(file)) key = File.ReadAllText(file).Trim();
        if (string.IsNullOrWhiteSpace(key))
            throw new InvalidOperationException("No audit checkpoint key is configured (Audit:CheckpointKey as base64, or Audit:CheckpointKeyFile); the audit trail cannot be signed. './novamind dev init' creates a development key.");
        var bytes = Convert.FromBase64String(key);
        return bytes.Length >= 32 ? bytes : throw new InvalidOperationException("the audit checkpoint key must be at least 32 bytes");
    }

    public static PatientPseudonymizer LoadPseudonymizer(IConfiguration configuration) =>
        NovaMind.ServiceDefaults.ServiceDefaultsExtensions.LogPseudonymizer(configuration)
        ?? throw new InvalidOperationException("No log-pseudonym key is configured (Privacy:PseudonymKey as base64, or Privacy:PseudonymKeyFile); patient ids in logs must be pseudonymised.");

    /// <summary>Models:Root, else the nearest <c>models/</c> folder above the executable (a checkout).</summary>
    public static string ModelsRoot(IConfiguration configuration)
    {
        var configured = configuration["Models:Root"];
        if (!string.IsNullOrWhiteSpace(configured)) return configured;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "models");
            if (Directory.Exists(Path.Combine(candidate, "forecast"))) return candidate;
        }
        throw new InvalidOperationException("No models folder found; set Models:Root.");
    }
}
