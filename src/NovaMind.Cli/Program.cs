using System.CommandLine;
using NovaMind.Cli;
using NovaMind.Simulation;
using NovaMind.Ml.Correlation;
using NovaMind.Ml.Forecasting;
using NovaMind.Ml.Pharmacogenomics;

var home = Environment.GetEnvironmentVariable("NOVAMIND_HOME") ?? Path.Combine(Environment.CurrentDirectory, ".novamind");
var secrets = new DevSecrets(home);
var root = new RootCommand("NovaMind command line: development tokens, model training, demo data.");

// token
var subOption = new Option<string>("--sub") { Description = "Subject (user id) of the token", Required = true };
var roleOption = new Option<string[]>("--role") { Description = "Role claim(s), e.g. clinician", AllowMultipleArgumentsPerToken = true, DefaultValueFactory = _ => ["clinician"] };
var hoursOption = new Option<int>("--hours") { Description = "Lifetime in hours", DefaultValueFactory = _ => 8 };
var token = new Command("token", "Print a development bearer token signed with the local key.") { subOption, roleOption, hoursOption };
token.SetAction(r =>
{
    Console.WriteLine(DevTokens.Create(secrets, r.GetValue(subOption)!, r.GetValue(roleOption)!, TimeSpan.FromHours(r.GetValue(hoursOption))));
    return 0;
});
root.Subcommands.Add(token);

// dev init
var dev = new Command("dev", "Development environment helpers.");
var devInit = new Command("init", "Create the development secrets (key ring, JWT key, pseudonym key) if missing.");
devInit.SetAction(_ =>
{
    foreach (var f in secrets.EnsureCreated()) Console.WriteLine($"created {f}");
    return 0;
});
dev.Subcommands.Add(devInit);
root.Subcommands.Add(dev);

// demo seed
var gatewayOption = new Option<string>("--gateway") { Description = "Gateway base URL", DefaultValueFactory = _ => "http://localhost:5080/" };
var patientsOption = new Option<int>("--patients") { Description = "Number of demo patients", DefaultValueFactory = _ => 3 };
var daysOption = new Option<int>("--days") { Description = "Days of data per patient", DefaultValueFactory = _ => 90 };
var seedOption = new Option<int>("--seed") { Description = "Simulator seed", DefaultValueFactory = _ => 7 };
var demo = new Command("demo", "Demo data.");
var demoSeed = new Command("seed", "Create the synthetic demo cohort through the API unless it exists.") { gatewayOption, patientsOption, daysOption, seedOption };
demoSeed.SetAction(async (r, ct) =>
{
    using var http = new HttpClient { BaseAddress = new Uri(r.GetValue(gatewayOption)!.TrimEnd('/') + "/"), Timeout = TimeSpan.FromMinutes(2) };
    await new DemoCohort(http, secrets, Console.Out).EnsureSeededAsync(r.GetValue(patientsOption), r.GetValue(daysOption), r.GetValue(seedOption), ct);
    return 0;
});
demo.Subcommands.Add(demoSeed);
root.Subcommands.Add(demo);

// train forecast | pgx | correlation: the same options, each writing models/<kind>/<version>/ and optionally promoting it.
var train = new Command("train", "Train models and write versioned artifacts under models/.");
train.Subcommands.Add(TrainCommand("forecast",
    "Train the symptom forecasters (mood, PHQ-9, GAD-7; horizons 1..28): XGBoost and a Transformer per symptom, learned ensemble weights, " +
    "split-conformal intervals, validation reports and plots; writes the artifact set models/forecast/<version>/.",
    "A small cohort and small budgets, all three symptoms (about a minute and a half; tests, smoke runs)", (quick, version, root) =>
{
    var options = quick ? ForecastEnsembleOptions.Quick(version) : new ForecastEnsembleOptions { Version = version };
    var results = new List<ForecastEnsembleResult>();
    try
    {
        for (var k = 0; k < options.Symptoms.Count; k++)
        {
            var symptom = options.Symptoms[k];
            Console.WriteLine($"== {symptom.Name} ({k + 1}/{options.Symptoms.Count})");
            results.Add(new ForecastEnsembleTrainer(options, Console.WriteLine).Train(symptom));
        }
        ForecastArtifactSet.Write(Path.Combine(root, version), results, ForecastEnsemblePlots.ErrorByHorizonPng, ForecastEnsemblePlots.FanChartPng);
        return string.Join("; ", results.Select(x => x.Report).Select(r =>
            $"{r.Symptom}: mean MAE ensemble {r.Mae["ensemble"].Average():F3} (oracle {r.Mae["oracle"].Average():F3}, seasonal naive {r.Mae["seasonal_naive"].Average():F3}), " +
            $"coverage 80% {r.Coverage["80"]:P1}, 95% {r.Coverage["95"]:P1}; targets {r.Targets.Count(t => t.Passed)}/{r.Targets.Count} met"));
    }
    finally
    {
        foreach (var r in results) r.Dispose();
    }
}));
train.Subcommands.Add(TrainCommand("pgx", "Train the pharmacogenomic treatment-response and gene-drug interaction models on simulated outcomes.",
    "Fewer simulated patients and epochs (about a minute)", (quick, version, root) =>
{
    var options = quick ? PgxTrainingOptions.Quick(version) : new PgxTrainingOptions { Version = version };
    using var result = new PgxTrainer(options, Console.WriteLine).Train();
    PgxArtifacts.Write(Path.Combine(root, version), result, PgxReliabilityPlot.RenderPng);
    var m = result.Models.Metadata.Metrics;
    return $"response Brier {m.EfficacyBrier:F4} (logistic baseline {m.EfficacyBrierBaseline:F4}, base rate {m.EfficacyBrierBaseRate:F4}), " +
           $"AUC {m.EfficacyAuc:F3} (baseline {m.EfficacyAucBaseline:F3}); gene-drug graph held-out AUC {m.GraphHeldOutAuc:F3}";
}));
train.Subcommands.Add(TrainCommand("correlation", "Train the BiLSTM-attention next-day symptom model and validate lag-correlation discovery on planted effects.",
    "Fewer simulated patients and epochs (under a minute)", (quick, version, root) =>
{
    var options = quick ? CorrelationTrainingOptions.Quick(version) : new CorrelationTrainingOptions { Version = version };
    using var result = new CorrelationTrainer(options, Console.WriteLine).Train();
    CorrelationArtifacts.Write(Path.Combine(root, version), result);
    var m = result.Model.Metadata.Metrics;
    return $"MAE {m.Mae:F3} / RMSE {m.Rmse:F3} (ridge lag regression {m.MaeBaseline:F3} / {m.RmseBaseline:F3}, mean {m.MaeMean:F3} / {m.RmseMean:F3}) in {result.Report.Training.TotalSeconds:F0}s";
}));
root.Subcommands.Add(train);

// data simulate
var simPatientsOption = new Option<int>("--patients") { Description = "Number of simulated patients", DefaultValueFactory = _ => 100 };
var simDaysOption = new Option<int>("--days") { Description = "Days of data per patient", DefaultValueFactory = _ => 365 };
var simSeedOption = new Option<int>("--seed") { Description = "Simulator seed", DefaultValueFactory = _ => 7 };
var simLastDayOption = new Option<DateOnly>("--last-day") { Description = "Last simulated day (fixed by default so output is reproducible)", DefaultValueFactory = _ => new DateOnly(2026, 6, 30) };
var simOutOption = new Option<string>("--out") { Description = "Observations file: CSV (patient,time,type,value), or JSON Lines if it ends in .jsonl", Required = true };
var simOracleOption = new Option<string?>("--oracle-out") { Description = "Optional CSV of the oracle forecasts (mood, PHQ-9, GAD-7; horizons 1..28) at origins every 28 days" };
var simTruthOption = new Option<string?>("--truth-out") { Description = "Optional JSON Lines of each patient's latent truth (parameters, medication, relapse days)" };
var simQuestionnairesOption = new Option<QuestionnaireCadence>("--questionnaires") { Description = "PHQ-9/GAD-7 cadence: Daily (short form with the check-in), Weekly or Biweekly visits (±2 days, 15 % missed, two-week recall)", DefaultValueFactory = _ => QuestionnaireCadence.Daily };
var data = new Command("data", "Synthetic data.");
var dataSimulate = new Command("simulate", "Simulate a symptom cohort for forecasting (docs/forecast-simulator.md).")
    { simPatientsOption, simDaysOption, simSeedOption, simLastDayOption, simOutOption, simOracleOption, simTruthOption, simQuestionnairesOption };
dataSimulate.SetAction(r =>
{
    var patients = r.GetValue(simPatientsOption);
    var days = r.GetValue(simDaysOption);
    if (patients < 1 || days < 1)
    {
        Console.Error.WriteLine("--patients and --days must be at least 1");
        return 2;
    }
    var cohort = new SymptomCohortSimulator(r.GetValue(simSeedOption), new SymptomSimulatorOptions { Questionnaires = r.GetValue(simQuestionnairesOption) })
        .Simulate(patients, days, r.GetValue(simLastDayOption));
    if (r.GetValue(simOracleOption) is not null && !cohort.HasOracle)
    {
        Console.Error.WriteLine("--oracle-out: the simulator has an oracle only for daily questionnaires");
        return 2;
    }
    var outPath = r.GetValue(simOutOption)!;
    SimulatedDataWriter.WriteObservations(cohort, outPath);
    Console.WriteLine($"wrote {outPath}: {cohort.Patients.Sum(p => p.Observations.Count)} observations of {patients} patients over {days} days");
    if (r.GetValue(simOracleOption) is { } oraclePath)
        Console.WriteLine($"wrote {oraclePath}: {SimulatedDataWriter.WriteOracle(cohort, oraclePath)} oracle forecasts");
    if (r.GetValue(simTruthOption) is { } truthPath)
    {
        SimulatedDataWriter.WriteTruth(cohort, truthPath);
        Console.WriteLine($"wrote {truthPath}");
    }
    return 0;
});
data.Subcommands.Add(dataSimulate);
root.Subcommands.Add(data);

// bench ingest: run by `./novamind bench ingest`, which starts a Release system for it.
var benchGatewayOption = new Option<string>("--gateway") { Description = "Gateway base URL", DefaultValueFactory = _ => "http://localhost:5080/" };
var benchStorageOption = new Option<string>("--storage") { Description = "Storage connection string (the system's)", DefaultValueFactory = _ => "UseDevelopmentStorage=true" };
var benchConcurrencyOption = new Option<int>("--concurrency") { Description = "Writers in (a) and (b), requests in flight in (c) and (d)", DefaultValueFactory = _ => 16 };
var benchSecondsOption = new Option<int>("--seconds") { Description = "Length of (a) and (b)", DefaultValueFactory = _ => 15 };
var benchWarmUpOption = new Option<int>("--warmup") { Description = "Warm-up seconds before (a) and (b) are measured", DefaultValueFactory = _ => 10 };
var benchTwinsOption = new Option<int>("--twins") { Description = "Twins in (c)", DefaultValueFactory = _ => 100 };
var benchRequestsOption = new Option<int>("--requests-per-twin") { Description = "Requests of 1,000 readings per twin in (c)", DefaultValueFactory = _ => 10 };
var benchMemoryTwinsOption = new Option<int>("--memory-twins") { Description = "Twins in the memory phase (d); 0 skips it", DefaultValueFactory = _ => 0 };
var benchMemoryDaysOption = new Option<int>("--memory-days") { Description = "Days of data per twin in (d)", DefaultValueFactory = _ => 365 };
var benchSiloPidOption = new Option<int?>("--silo-pid") { Description = "Process id of the silo whose memory (d) samples" };
var benchGatewayPidOption = new Option<int?>("--gateway-pid") { Description = "Process id of the gateway (CPU per operation)" };
var benchStoragePidOption = new Option<int?>("--storage-pid") { Description = "Process id of the storage emulator (CPU per operation)" };
var benchOutOption = new Option<string?>("--out") { Description = "Also write the report (Markdown) to this file" };
var bench = new Command("bench", "Benchmarks against a running system.");
var benchIngest = new Command("ingest", "Ingest rates: raw chunk upserts (a), single-reading ingest (b), batched wearable ingest (c), silo memory (d).")
    { benchGatewayOption, benchStorageOption, benchConcurrencyOption, benchSecondsOption, benchWarmUpOption, benchTwinsOption, benchRequestsOption, benchMemoryTwinsOption, benchMemoryDaysOption, benchSiloPidOption, benchGatewayPidOption, benchStoragePidOption, benchOutOption };
benchIngest.SetAction(async (r, ct) =>
{
    var report = await new IngestBenchmark(new IngestBenchmarkOptions(
        new Uri(r.GetValue(benchGatewayOption)!.TrimEnd('/') + "/"), r.GetValue(benchStorageOption)!, r.GetValue(benchConcurrencyOption),
        TimeSpan.FromSeconds(r.GetValue(benchSecondsOption)), TimeSpan.FromSeconds(r.GetValue(benchWarmUpOption)), r.GetValue(benchTwinsOption), r.GetValue(benchRequestsOption),
        r.GetValue(benchMemoryTwinsOption), r.GetValue(benchMemoryDaysOption), r.GetValue(benchSiloPidOption), r.GetValue(benchGatewayPidOption), r.GetValue(benchStoragePidOption)), secrets, Console.Out).RunAsync(ct);
    if (r.GetValue(benchOutOption) is { } outFile) await File.WriteAllTextAsync(outFile, report, ct);
    return 0;
});
bench.Subcommands.Add(benchIngest);
var benchInsightsPatientsOption = new Option<int>("--patients") { Description = "Simulated patients (each measured once)", DefaultValueFactory = _ => 1000 };
var benchInsightsDaysOption = new Option<int>("--days") { Description = "Days of data per patient", DefaultValueFactory = _ => 60 };
var benchInsightsConcurrencyOption = new Option<int>("--concurrency") { Description = "Patients measured at once (1: latency with the machine otherwise idle)", DefaultValueFactory = _ => 1 };
var benchInsightsSeedOption = new Option<int>("--seed") { Description = "Simulator seed", DefaultValueFactory = _ => 14 };
var benchInsights = new Command("insights", "Insights latency cold and cached against each part alone, on the same patients in one run.")
    { benchGatewayOption, benchInsightsPatientsOption, benchInsightsDaysOption, benchInsightsConcurrencyOption, benchInsightsSeedOption, benchOutOption };
benchInsights.SetAction(async (r, ct) =>
{
    var report = await new InsightsBenchmark(new InsightsBenchmarkOptions(new Uri(r.GetValue(benchGatewayOption)!.TrimEnd('/') + "/"), r.GetValue(benchInsightsPatientsOption),
        r.GetValue(benchInsightsDaysOption), r.GetValue(benchInsightsConcurrencyOption), r.GetValue(benchInsightsSeedOption)), secrets, Console.Out).RunAsync(ct);
    if (r.GetValue(benchOutOption) is { } outFile) await File.WriteAllTextAsync(outFile, report, ct);
    return 0;
});
bench.Subcommands.Add(benchInsights);
root.Subcommands.Add(bench);

// evaluate statistical: the per-patient members against the simulator's oracle and the naive baselines.
var evalPatientsOption = new Option<int>("--patients") { Description = "Simulated patients", DefaultValueFactory = _ => 30 };
var evalDaysOption = new Option<int>("--days") { Description = "Days per patient", DefaultValueFactory = _ => 240 };
var evalSeedOption = new Option<int>("--seed") { Description = "Simulator seed (use a fresh one for a final number)", DefaultValueFactory = _ => 99 };
var evalHorizonOption = new Option<int>("--horizon") { Description = "Largest horizon (days)", DefaultValueFactory = _ => 14 };
var evalEveryOption = new Option<int>("--origin-every") { Description = "Days between forecast origins", DefaultValueFactory = _ => 28 };
var evalFirstOption = new Option<int>("--first-origin") { Description = "First origin (day index; the history before it is the first fit)", DefaultValueFactory = _ => 56 };
var evalOutOption = new Option<string?>("--out") { Description = "Also write the table (Markdown) to this file" };
var evalModelsOption = new Option<string>("--models") { Description = "Models root holding forecast/CURRENT", DefaultValueFactory = _ => "models" };
var evalPriorOption = new Option<string?>("--prior-origins") { Description = "Compare the shrinkage rule at these prior strengths n₀ (comma-separated), with the set's backtest origins" };
var evalVariantsOption = new Option<string?>("--personalisation") { Description = "Compare personalisation variants, comma-separated rule[/origins[/n0[/n0 of the interval scales]]] (shrinkage/8/8, cross_validated/12, ensemble_or_member/8, ensemble_or_member/8/8/0); default: the set's own" };
var evalJsonOption = new Option<string?>("--json") { Description = "Also write every row (MAE per horizon, coverage) as JSON to this file" };
var evalFamilyOption = new Option<string>("--family") { Description = "training: the training simulator (with its oracle); regime: the second, structurally different family (validation only)", DefaultValueFactory = _ => "training" };
evalFamilyOption.AcceptOnlyFromAmong("training", "regime");
var evaluate = new Command("evaluate", "Offline evaluations.");
var evaluateStatistical = new Command("statistical", "The served ensemble (global and personalised) vs per-patient AutoETS and SARIMA(1,0,0)(1,0,0)7, the simulator's oracle, seasonal naive and last value (rolling origins; MAE and interval coverage).")
    { evalPatientsOption, evalDaysOption, evalSeedOption, evalHorizonOption, evalEveryOption, evalFirstOption, evalOutOption, evalModelsOption, evalFamilyOption, evalPriorOption, evalVariantsOption, evalJsonOption };
evaluateStatistical.SetAction(async (r, ct) =>
{
    var family = new ForecastEvaluation.Family(r.GetValue(evalFamilyOption)!, r.GetValue(evalSeedOption), r.GetValue(evalPatientsOption), r.GetValue(evalDaysOption));
    static string[] List(string? text) => text?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];
    string[] variants = [.. List(r.GetValue(evalVariantsOption)), .. List(r.GetValue(evalPriorOption)).Select(n => $"shrinkage/{NovaMind.Ml.Forecasting.Personalised.PersonalisationOptions.DefaultBacktestOrigins}/{n}")];
    foreach (var v in variants) ForecastEvaluation.Variant(v); // refuse a malformed one before loading anything
    NovaMind.Ml.TorchRuntime.Initialize(null);
    using var served = SymptomForecaster.LoadCurrent(Path.Combine(r.GetValue(evalModelsOption)!, "forecast"));
    var result = ForecastEvaluation.Statistical(served, family, r.GetValue(evalHorizonOption), r.GetValue(evalFirstOption), r.GetValue(evalEveryOption), variants, Console.Error.WriteLine);
    var text = ForecastEvaluation.Table(result);
    Console.Write(text);
    if (r.GetValue(evalOutOption) is { } outFile) await File.WriteAllTextAsync(outFile, text, ct);
    if (r.GetValue(evalJsonOption) is { } jsonFile)
        await File.WriteAllTextAsync(jsonFile, System.Text.Json.JsonSerializer.Serialize(new { family = family.Name, seed = family.Seed, patients = family.Patients, days = family.Days, horizon = result.Horizon, rows = result.Rows,
            member_alone = result.Choices.Select(c => new { predictor = c.Key.Predictor, symptom = c.Key.Symptom, member_alone = c.Value.MemberAlone, forecasts = c.Value.Forecasts }) }, NovaMind.Ml.ModelArtifacts.Json), ct);
    return 0;
});
evaluate.Subcommands.Add(evaluateStatistical);

// evaluate assessments: PHQ-9/GAD-7 taken periodically, forecast from the patient's assessment-vs-recall-mood line.
var evalCadenceOption = new Option<QuestionnaireCadence>("--questionnaires") { Description = "Weekly or Biweekly visits", DefaultValueFactory = _ => QuestionnaireCadence.Biweekly };
var evaluateAssessments = new Command("assessments", "Next-assessment error of periodic PHQ-9/GAD-7 forecasts (assessment model on the personalised mood forecast) vs the last assessment carried forward.")
    { evalPatientsOption, evalDaysOption, evalSeedOption, evalOutOption, evalModelsOption, evalCadenceOption };
evaluateAssessments.SetAction(async (r, ct) =>
{
    var cadence = r.GetValue(evalCadenceOption);
    if (cadence == QuestionnaireCadence.Daily)
    {
        Console.Error.WriteLine("--questionnaires must be Weekly or Biweekly");
        return 2;
    }
    var family = new ForecastEvaluation.Family("training", r.GetValue(evalSeedOption), r.GetValue(evalPatientsOption), r.GetValue(evalDaysOption));
    NovaMind.Ml.TorchRuntime.Initialize(null);
    using var served = SymptomForecaster.LoadCurrent(Path.Combine(r.GetValue(evalModelsOption)!, "forecast"));
    var (results, seconds) = ForecastEvaluation.Assessments(served, family, cadence, Console.Error.WriteLine);
    var text = ForecastEvaluation.AssessmentTable(served, family, cadence, results, seconds);
    Console.Write(text);
    if (r.GetValue(evalOutOption) is { } outFile) await File.WriteAllTextAsync(outFile, text, ct);
    return 0;
});
evaluate.Subcommands.Add(evaluateAssessments);

// evaluate release: issue 13's report for one set version, once, on fresh seeds (refuses to run twice).
var releaseVersionOption = new Option<string>("--version") { Description = "Forecast set version under models/forecast/", Required = true };
var releaseTrainingSeedOption = new Option<int>("--seed-training") { Description = "A seed of the training simulator not used before", Required = true };
var releaseRegimeSeedOption = new Option<int>("--seed-regime") { Description = "A seed of the regime family not used before", Required = true };
var releaseAssessmentSeedOption = new Option<int>("--seed-assessments") { Description = "A seed for the biweekly-questionnaire cohort not used before", Required = true };
var evaluateRelease = new Command("release", "Once per forecast set: (a) training simulator, (b) regime family, (c) biweekly questionnaires on fresh seeds, with issue 13's targets; writes release-evaluation.md/json into the set.")
    { releaseVersionOption, releaseTrainingSeedOption, releaseRegimeSeedOption, releaseAssessmentSeedOption, evalModelsOption };
evaluateRelease.SetAction(r =>
{
    NovaMind.Ml.TorchRuntime.Initialize(null);
    var dir = Path.Combine(r.GetValue(evalModelsOption)!, "forecast", r.GetValue(releaseVersionOption)!);
    if (!Directory.Exists(dir))
    {
        Console.Error.WriteLine($"{dir} does not exist");
        return 2;
    }
    return ForecastEvaluation.Release(dir, r.GetValue(releaseTrainingSeedOption), r.GetValue(releaseRegimeSeedOption), r.GetValue(releaseAssessmentSeedOption),
        Console.Out, Console.Error.WriteLine);
});
evaluate.Subcommands.Add(evaluateRelease);
root.Subcommands.Add(evaluate);

root.Subcommands.Add(AuditCommands.Create(secrets));
root.Subcommands.Add(KeyCommands.Create(secrets));
root.Subcommands.Add(ModelCommands.Create());

// docs pgx-categories: the pharmacist's review table, generated from the knowledge base.
var docs = new Command("docs", "Documents generated from project data.");
var docsCategories = new Command("pgx-categories", $"Rewrite {NovaMind.Domain.Pharmacogenomics.CategoryReviewDocument.RelativePath} from the knowledge base (run from the repository root).");
docsCategories.SetAction(_ =>
{
    var path = Path.Combine(Environment.CurrentDirectory, NovaMind.Domain.Pharmacogenomics.CategoryReviewDocument.RelativePath);
    File.WriteAllText(path, NovaMind.Domain.Pharmacogenomics.CategoryReviewDocument.Render(NovaMind.Domain.Pharmacogenomics.PgxKnowledgeBase.Default));
    Console.WriteLine($"wrote {path}");
    return 0;
});
docs.Subcommands.Add(docsCategories);
root.Subcommands.Add(docs);

return await root.Parse(args).InvokeAsync();

/// <param name="train">(quick, version, models/&lt;kind&gt; folder) → a one-line summary of the artifact's metrics.</param>
static Command TrainCommand(string kind, string description, string quickDescription, Func<bool, string, string, string> train, bool promotable = true)
{
    var quick = new Option<bool>("--quick") { Description = quickDescription };
    var versionName = new Option<string?>("--version-name", "--version") { Description = "Artifact version (default: a timestamp)" };
    var models = new Option<string>("--models") { Description = "Models root", DefaultValueFactory = _ => Path.Combine(Environment.CurrentDirectory, "models") };
    var promote = new Option<bool>("--promote") { Description = "Make the new version CURRENT" };
    var command = new Command(kind, description) { quick, versionName, models };
    if (promotable) command.Options.Add(promote);
    command.SetAction(r =>
    {
        var version = r.GetValue(versionName) ?? $"{DateTime.UtcNow:yyyyMMdd-HHmmss}";
        var root = Path.Combine(r.GetValue(models)!, kind);
        var summary = train(r.GetValue(quick), version, root);
        if (promotable && r.GetValue(promote))
            NovaMind.Ml.ModelPromotions.Promote(r.GetValue(models)!, kind, version, Environment.UserName, $"trained and promoted by 'train {kind} --promote'");
        Console.WriteLine($"wrote {Path.Combine(root, version)}: {summary}");
        return 0;
    });
    return command;
}
