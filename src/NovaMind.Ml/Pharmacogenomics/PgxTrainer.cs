using System.Diagnostics;
using NovaMind.Domain.Pharmacogenomics;
using NovaMind.Domain.Pharmacogenomics.Simulation;
using static TorchSharp.torch;

namespace NovaMind.Ml.Pharmacogenomics;

public sealed record PgxTrainingOptions
{
    public required string Version { get; init; }
    /// <summary>20261130 for 0.2.0: a fresh seed, so its test patients were never used to guide design (0.1.0 used 20261126).</summary>
    public int Seed { get; init; } = 20261130;
    /// <summary>Simulated patients; each treatment of a patient is one example (its earlier treatments are the history).</summary>
    public int Patients { get; init; } = 40000;
    /// <summary>Further simulated patients whose scores define the per-drug percentiles.</summary>
    public int ReferencePatients { get; init; } = 1000;
    /// <summary>Further simulated patients for the planted-effect recovery table.</summary>
    public int ProbePatients { get; init; } = 20000;
    public int ModelDim { get; init; } = 32;
    public int Layers { get; init; } = 2;
    public int Heads { get; init; } = 4;
    public int FeedForward { get; init; } = 64;
    public double Dropout { get; init; } = 0.1;
    public int MaxEpochs { get; init; } = 40;
    public int Patience { get; init; } = 6;
    public int BatchSize { get; init; } = 256;
    public double LearningRate { get; init; } = 1e-3;
    public double WeightDecay { get; init; } = 1e-2;
    /// <summary>Training only: probability that a history drug is shown as "other drug".</summary>
    public double HistoryDrugDropout { get; init; } = 0.05;
    public int BaselineMaxEpochs { get; init; } = 600;
    public int GraphDim { get; init; } = 16;
    public int GraphEpochs { get; init; } = 300;
    public int GraphFolds { get; init; } = 5;
    public int GraphNegativesPerPositive { get; init; } = 3;
    /// <summary>Bootstrap resamples for the model-versus-baseline intervals (response: over test patients; graph: over held-out pairs).</summary>
    public int BootstrapResamples { get; init; } = 1000;
    public double GraphLearningRate { get; init; } = 0.01;

    /// <summary>About a minute on two cores: fewer patients and epochs.</summary>
    public static PgxTrainingOptions Quick(string version) => new()
    {
        Version = version, Patients = 4000, ReferencePatients = 300, ProbePatients = 5000, MaxEpochs = 12, Patience = 3, BaselineMaxEpochs = 300, GraphEpochs = 200,
    };

    /// <summary>A few seconds: for tests only.</summary>
    public static PgxTrainingOptions Tiny(string version) => new()
    {
        Version = version, Patients = 1500, ReferencePatients = 60, ProbePatients = 600, MaxEpochs = 8, Patience = 3, BatchSize = 64, LearningRate = 3e-3,
        BaselineMaxEpochs = 150, GraphEpochs = 120, GraphFolds = 3,
    };
}

public sealed record PgxTrainingResult(PgxModels Models, PgxReport Report) : IDisposable
{
    public void Dispose() => Models.Dispose();
}

/// <summary>
/// Trains the pharmacogenomic models on <see cref="TreatmentOutcomeSimulator"/> patients. Patients (not treatments) are
/// split 70/15/15 into train, validation (early stopping, temperature scaling, baseline early stopping) and test (every
/// reported metric), so test figures are on unseen patients. The graph model is validated by k-fold cross-validation
/// over its drug–gene edges, then refitted on the whole graph.
/// </summary>
public sealed class PgxTrainer(PgxTrainingOptions options, Action<string>? progress = null)
{
    private sealed record Example(int Patient, EncodedTreatment Encoded, bool Responded, bool[] SideEffects, double OracleResponse, double[] OracleSideEffects, bool Genotyped, double Clearance);

    /// <summary>
    /// Trains on one intra-op thread: these models are tiny, and libtorch's multi-threaded kernels spend more time
    /// synchronising than computing (measured: 7 s instead of 313 s for the quick run on a busy 2-core machine).
    /// </summary>
    public PgxTrainingResult Train()
    {
        var threads = get_num_threads();
        set_num_threads(1);
        try
        {
            return TrainSingleThreaded();
        }
        finally
        {
            set_num_threads(threads);
        }
    }

    private PgxTrainingResult TrainSingleThreaded()
    {
        var total = Stopwatch.StartNew();
        manual_seed(options.Seed);
        var kb = PgxKnowledgeBase.Default;
        var simulator = new TreatmentOutcomeSimulator(options.Seed, kb);
        var drugs = kb.Drugs.SupportedDrugs;
        var sideEffects = MedicationPlanValidator.KnownSideEffects;
        var referenceDoses = drugs.ToDictionary(d => d, d => SimulatedDrugProfiles.Get(d).ReferenceDoseMg, StringComparer.Ordinal);
        var encoder = new TreatmentResponseEncoder(drugs, referenceDoses, sideEffects, kb);

        var patients = simulator.Simulate(options.Patients);
        var order = Enumerable.Range(0, patients.Count).ToArray();
        new Random(options.Seed).Shuffle(order);
        var nTrain = (int)(patients.Count * 0.70);
        var nValidation = (int)(patients.Count * 0.15);
        var train = Examples(encoder, order.Take(nTrain).Select(i => (i, patients[i])));
        var validation = Examples(encoder, order.Skip(nTrain).Take(nValidation).Select(i => (i, patients[i])));
        var test = Examples(encoder, order.Skip(nTrain + nValidation).Select(i => (i, patients[i])));
        progress?.Invoke($"examples: train {train.Count}, validation {validation.Count}, test {test.Count} (patients {nTrain}/{nValidation}/{patients.Count - nTrain - nValidation})");

        var watch = Stopwatch.StartNew();
        var responseMetadata = new ResponseModelMetadata
        {
            Drugs = drugs, ReferenceDosesMg = referenceDoses, SideEffects = sideEffects,
            ModelDim = options.ModelDim, Layers = options.Layers, Heads = options.Heads, FeedForward = options.FeedForward, Dropout = options.Dropout,
            MaxHistory = TreatmentResponseEncoder.MaxHistory, EfficacyTemperature = 1, SideEffectTemperatures = sideEffects.Select(_ => 1.0).ToList(),
            ReferenceQuantiles = new Dictionary<string, IReadOnlyList<double>>(), ReferencePatients = options.ReferencePatients,
        };
        var net = PgxModels.CreateResponseNet(responseMetadata);
        var (epochs, bestLoss, lossByEpoch) = TrainResponse(net, encoder, train, validation);
        var responseSeconds = watch.Elapsed.TotalSeconds;

        // Temperature scaling on the validation split.
        var (valEfficacy, valSideEffects) = PgxModels.Logits(net, encoder, validation.Select(e => e.Encoded).ToList());
        var efficacyTemperature = ProbabilityMetrics.FitTemperature(valEfficacy, validation.Select(e => e.Responded).ToList());
        var sideEffectTemperatures = sideEffects.Select((_, s) => ProbabilityMetrics.FitTemperature(
            valSideEffects.Select(x => x[s]).ToList(), validation.Select(e => e.SideEffects[s]).ToList())).ToList();
        progress?.Invoke($"temperature: efficacy {efficacyTemperature:F3}, side effects {sideEffectTemperatures.Min():F2}..{sideEffectTemperatures.Max():F2}");
        responseMetadata = responseMetadata with { EfficacyTemperature = efficacyTemperature, SideEffectTemperatures = sideEffectTemperatures };

        watch.Restart();
        var (baselinePredict, baselineEpochs, baselineNet) = TrainBaseline(encoder, train, validation);
        using var baselineOwner = baselineNet;
        var baselineTest = baselinePredict(test.Select(e => e.Encoded).ToList());
        var baselineSeconds = watch.Elapsed.TotalSeconds;
        progress?.Invoke($"logistic baseline: {baselineEpochs} epochs, {baselineSeconds:F1}s");

        watch.Restart();
        responseMetadata = responseMetadata with { ReferenceQuantiles = ReferenceQuantiles(net, encoder, simulator, responseMetadata) };
        var referenceSeconds = watch.Elapsed.TotalSeconds;
        var recoveries = EffectRecoveries(net, encoder, simulator, responseMetadata, baselinePredict);

        watch.Restart();
        var graph = GeneDrugGraph.FromKnowledgeBase(kb);
        var graphMetadata = new GraphModelMetadata { Nodes = graph.Nodes, Edges = graph.Edges, Dim = options.GraphDim, Layers = 2, Dropout = 0.1 };
        var (graphNet, graphReport) = TrainGraph(graph, graphMetadata);
        var graphSeconds = watch.Elapsed.TotalSeconds;
        progress?.Invoke($"graph: held-out AUC {graphReport.PooledHeldOutAuc:F3} ({graphReport.HeldOutPositives} edges, {graphReport.HeldOutNegatives} non-edges, {graphReport.Folds} folds), training AUC {graphReport.TrainingAuc:F3}, {graphSeconds:F1}s");

        // Test metrics.
        var (testEfficacy, testSideEffects) = PgxModels.Logits(net, encoder, test.Select(e => e.Encoded).ToList());
        var y = test.Select(e => e.Responded).ToList();
        var calibrated = testEfficacy.Select(z => ProbabilityMetrics.Sigmoid(z / efficacyTemperature)).ToList();
        var uncalibrated = testEfficacy.Select(ProbabilityMetrics.Sigmoid).ToList();
        var baseline = baselineTest.Select(p => p[0]).ToList();
        var baseRate = train.Average(e => e.Responded ? 1.0 : 0.0);
        var oracle = test.Select(e => e.OracleResponse).ToList();
        var efficacyScores = new List<ProbabilisticScores>
        {
            Scores("transformer (temperature-scaled)", calibrated, y),
            Scores("transformer (before calibration)", uncalibrated, y),
            Scores("logistic baseline", baseline, y),
            Scores("base rate (training prevalence)", y.Select(_ => baseRate).ToList(), y),
            Scores("simulator oracle (true probability)", oracle, y),
        };

        var sideEffectScores = new List<SideEffectScores>();
        for (var s = 0; s < sideEffects.Count; s++)
        {
            var ys = test.Select(e => e.SideEffects[s]).ToList();
            var model = testSideEffects.Select(x => ProbabilityMetrics.Sigmoid(x[s] / sideEffectTemperatures[s])).ToList();
            var lin = baselineTest.Select(p => p[1 + s]).ToList();
            var prevalence = train.Average(e => e.SideEffects[s] ? 1.0 : 0.0);
            sideEffectScores.Add(new SideEffectScores(
                sideEffects[s], Round(ys.Average(v => v ? 1.0 : 0.0)),
                Round(ProbabilityMetrics.Brier(model, ys)), Round(ProbabilityMetrics.Brier(lin, ys)),
                Round(ProbabilityMetrics.Brier(ys.Select(_ => prevalence).ToList(), ys)),
                Round(ProbabilityMetrics.Brier(test.Select(e => e.OracleSideEffects[s]).ToList(), ys)),
                Round(ProbabilityMetrics.Auc(model, ys)), Round(ProbabilityMetrics.Auc(lin, ys)), Round(sideEffectTemperatures[s])));
        }

        var subgroups = new List<SubgroupScores>();
        foreach (var (name, filter) in new (string, Func<Example, bool>)[]
                 {
                     ("genotyped (full or partial panel)", e => e.Genotyped), ("not genotyped", e => !e.Genotyped),
                     ("genotype changes the drug's clearance by over 25% (simulator)", e => Math.Abs(Math.Log(e.Clearance)) > Math.Log(1.25)),
                     ("genotype changes clearance by over 25%, genotype on file", e => e.Genotyped && Math.Abs(Math.Log(e.Clearance)) > Math.Log(1.25)),
                     ("no earlier treatment", e => e.Encoded.HistoryLength == 0), ("one or more earlier treatments", e => e.Encoded.HistoryLength > 0),
                 })
        {
            var idx = Enumerable.Range(0, test.Count).Where(i => filter(test[i])).ToList();
            if (idx.Count == 0) continue;
            var ys = idx.Select(i => y[i]).ToList();
            subgroups.Add(new SubgroupScores(name, idx.Count, Round(ys.Average(v => v ? 1.0 : 0.0)),
                Round(ProbabilityMetrics.Brier(idx.Select(i => calibrated[i]).ToList(), ys)), Round(ProbabilityMetrics.Brier(idx.Select(i => baseline[i]).ToList(), ys)),
                Round(ProbabilityMetrics.Auc(idx.Select(i => calibrated[i]).ToList(), ys)), Round(ProbabilityMetrics.Auc(idx.Select(i => baseline[i]).ToList(), ys))));
        }

        var modelScores = efficacyScores[0];
        var baselineScores = efficacyScores[2];
        var bootstrap = PatientBootstrap(test.Select(e => e.Patient).ToList(), calibrated, baseline, y);
        progress?.Invoke("bootstrap over test patients: " + string.Join("; ", bootstrap.Select(b => $"{b.Metric} improvement {b.Improvement:F4} [{b.Lower95:F4}, {b.Upper95:F4}]")));
        var metadata = new PgxModelMetadata
        {
            Version = options.Version,
            TrainedAt = DateTimeOffset.UtcNow,
            Seed = options.Seed,
            KnowledgeBaseVersion = kb.Version,
            Response = responseMetadata,
            Graph = graphMetadata,
            Metrics = new PgxMetricsSummary
            {
                TrainExamples = train.Count, ValidationExamples = validation.Count, TestExamples = test.Count,
                TestPatients = patients.Count - nTrain - nValidation, Epochs = epochs,
                EfficacyBrier = modelScores.Brier, EfficacyBrierBaseline = baselineScores.Brier,
                EfficacyBrierBaseRate = efficacyScores[3].Brier, EfficacyBrierOracle = efficacyScores[4].Brier,
                EfficacyAuc = modelScores.Auc, EfficacyAucBaseline = baselineScores.Auc,
                EfficacyLogLoss = modelScores.LogLoss, EfficacyLogLossBaseline = baselineScores.LogLoss, EfficacyEce = modelScores.Ece,
                SideEffectMeanBrier = Round(sideEffectScores.Average(s => s.Brier)),
                SideEffectMeanBrierBaseline = Round(sideEffectScores.Average(s => s.BrierBaseline)),
                SideEffectMacroAuc = Round(sideEffectScores.Where(s => !double.IsNaN(s.Auc)).Average(s => s.Auc)),
                SideEffectMacroAucBaseline = Round(sideEffectScores.Where(s => !double.IsNaN(s.AucBaseline)).Average(s => s.AucBaseline)),
                GraphHeldOutAuc = graphReport.PooledHeldOutAuc, GraphHeldOutPositives = graphReport.HeldOutPositives,
                GraphHeldOutNegatives = graphReport.HeldOutNegatives, GraphTrainingAuc = graphReport.TrainingAuc,
                EfficacyBrierImprovementCi95 = [bootstrap[0].Lower95, bootstrap[0].Upper95],
                BootstrapResamples = options.BootstrapResamples,
                GraphEvaluation = graphReport.Evaluation,
                GraphBaselineAuc = graphReport.BaselineAuc,
                GraphAucImprovementCi95 = graphReport.AucImprovementCi95,
            },
        };
        var models = new PgxModels(net, graphNet, metadata, kb);
        graphReport = graphReport with { TopUnlisted = models.InteractionScores().Where(s => !s.InKnowledgeBase).Take(10).ToList() };

        var allPatients = patients.SelectMany(p => p.Treatments).ToList();
        var report = new PgxReport(
            options.Version, options,
            new PgxDataSummary(
                patients.Count, nTrain, nValidation, patients.Count - nTrain - nValidation, train.Count, validation.Count, test.Count,
                Round(allPatients.Average(t => t.Responded ? 1.0 : 0.0)),
                Round(patients.Average(p => p.ReportedGenotype is null ? 0.0 : 1.0)),
                Round(allPatients.Average(t => t.SideEffects.Count)), options.ReferencePatients),
            new PgxTrainingSummary(epochs, Round(bestLoss), lossByEpoch.Select(x => Round(x)).ToList(), Round(efficacyTemperature), baselineEpochs,
                Round(responseSeconds, 1), Round(baselineSeconds, 1), Round(referenceSeconds, 1), Round(graphSeconds, 1), Round(total.Elapsed.TotalSeconds, 1)),
            efficacyScores, subgroups, recoveries,
            new ReliabilityDiagram(ProbabilityMetrics.Reliability(calibrated, y), ProbabilityMetrics.Reliability(uncalibrated, y), ProbabilityMetrics.Reliability(baseline, y)),
            sideEffectScores, graphReport, bootstrap);
        progress?.Invoke($"test: efficacy Brier {modelScores.Brier:F4} (baseline {baselineScores.Brier:F4}, base rate {efficacyScores[3].Brier:F4}, oracle {efficacyScores[4].Brier:F4}), " +
                         $"AUC {modelScores.Auc:F3} (baseline {baselineScores.Auc:F3}); {total.Elapsed.TotalSeconds:F0}s in all");
        return new PgxTrainingResult(models, report);
    }

    private static List<Example> Examples(TreatmentResponseEncoder encoder, IEnumerable<(int Index, SimulatedPgxPatient Patient)> patients)
    {
        var examples = new List<Example>();
        foreach (var (index, patient) in patients)
        {
            var history = new List<PastTreatment>();
            foreach (var t in patient.Treatments)
            {
                var input = new TreatmentResponseInput(t.Drug, t.DoseMg, patient.ReportedGenotype, patient.CoMedications, history.ToList());
                var labels = encoder.SideEffects.Select(s => t.SideEffects.Contains(s)).ToArray();
                examples.Add(new Example(index, encoder.Encode(input), t.Responded, labels, t.Probabilities.Response, [.. t.Probabilities.SideEffects],
                    patient.ReportedGenotype is not null, t.Probabilities.Clearance));
                history.Add(t.ToPastTreatment());
            }
        }
        return examples;
    }

    private (int Epochs, double BestLoss, List<double> LossByEpoch) TrainResponse(
        TreatmentResponseNet net, TreatmentResponseEncoder encoder, List<Example> train, List<Example> validation)
    {
        var optimizer = optim.AdamW(net.parameters(), lr: options.LearningRate, weight_decay: options.WeightDecay);
        var rng = new Random(options.Seed + 1);
        using var stopping = new EarlyStopping(options.Patience, progress);
        var epochs = 0;
        var losses = new List<double>();
        var order = Enumerable.Range(0, train.Count).ToArray();
        var clock = Stopwatch.StartNew();
        for (var epoch = 1; epoch <= options.MaxEpochs; epoch++)
        {
            epochs = epoch;
            net.train();
            rng.Shuffle(order);
            var trainLoss = 0.0;
            for (var start = 0; start < order.Length; start += options.BatchSize)
            {
                using var scope = NewDisposeScope();
                var items = order.Skip(start).Take(options.BatchSize).Select(i => train[i]).ToList();
                var batch = encoder.Collate(items.Select(e => e.Encoded).ToList(), rng, options.HistoryDrugDropout);
                optimizer.zero_grad();
                var (efficacy, sideEffects) = net.forward(batch);
                var loss = Loss(efficacy, sideEffects, items);
                loss.backward();
                optimizer.step();
                trainLoss += loss.item<float>() * items.Count;
            }
            var valLoss = ValidationLoss(net, encoder, validation);
            losses.Add(valLoss);
            progress?.Invoke($"epoch {epoch,3}: train loss {trainLoss / train.Count:F4}  validation loss {valLoss:F4}  ({clock.Elapsed.TotalSeconds:F0}s)");
            if (stopping.ShouldStop(net, valLoss)) break;
        }
        stopping.RestoreBest(net);
        net.eval();
        return (epochs, stopping.BestLoss, losses);
    }

    /// <summary>Response BCE plus the mean BCE over side effects.</summary>
    private static Tensor Loss(Tensor efficacy, Tensor sideEffects, IReadOnlyList<Example> items)
    {
        var y = tensor(items.Select(e => e.Responded ? 1f : 0f).ToArray());
        var width = items[0].SideEffects.Length;
        var ys = tensor(items.SelectMany(e => e.SideEffects.Select(v => v ? 1f : 0f)).ToArray(), [items.Count, width]);
        return nn.functional.binary_cross_entropy_with_logits(efficacy, y).Plus(nn.functional.binary_cross_entropy_with_logits(sideEffects, ys));
    }

    private static double ValidationLoss(TreatmentResponseNet net, TreatmentResponseEncoder encoder, List<Example> validation)
    {
        net.eval();
        var total = 0.0;
        for (var start = 0; start < validation.Count; start += PgxModels.MaxForwardBatch)
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var items = validation.Skip(start).Take(PgxModels.MaxForwardBatch).ToList();
            var (efficacy, sideEffects) = net.forward(encoder.Collate(items.Select(e => e.Encoded).ToList()));
            total += Loss(efficacy, sideEffects, items).item<float>() * items.Count;
        }
        return total / validation.Count;
    }

    /// <summary>Logistic regression on standardised hand-crafted features; full-batch AdamW, early stopping on validation loss.</summary>
    private (Func<IReadOnlyList<EncodedTreatment>, double[][]> Predict, int Epochs, IDisposable Net) TrainBaseline(
        TreatmentResponseEncoder encoder, List<Example> train, List<Example> validation)
    {
        var width = encoder.BaselineWidth;
        var outputs = 1 + encoder.SideEffects.Count;
        float[] Features(IEnumerable<EncodedTreatment> set) => set.SelectMany(encoder.BaselineFeatures).ToArray();
        float[] Labels(List<Example> set) => set.SelectMany(e => new[] { e.Responded ? 1f : 0f }.Concat(e.SideEffects.Select(v => v ? 1f : 0f))).ToArray();
        var trainX = Features(train.Select(e => e.Encoded));
        var mean = new float[width];
        var sd = new float[width];
        for (var j = 0; j < width; j++)
        {
            double m = 0, v = 0;
            for (var i = 0; i < train.Count; i++) m += trainX[i * width + j];
            m /= train.Count;
            for (var i = 0; i < train.Count; i++) v += (trainX[i * width + j] - m) * (trainX[i * width + j] - m);
            mean[j] = (float)m;
            sd[j] = (float)Math.Max(Math.Sqrt(v / train.Count), 1e-3);
        }
        Tensor X(float[] raw, int n)
        {
            var scaled = new float[raw.Length];
            for (var i = 0; i < n; i++)
            for (var j = 0; j < width; j++) scaled[i * width + j] = (raw[i * width + j] - mean[j]) / sd[j];
            return tensor(scaled, [n, width]);
        }

        var baseline = new LogisticBaselineNet(width, outputs);
        using var trainFeatures = X(trainX, train.Count).DetachFromDisposeScope();
        using var trainLabels = tensor(Labels(train), [train.Count, outputs]).DetachFromDisposeScope();
        using var valFeatures = X(Features(validation.Select(e => e.Encoded)), validation.Count).DetachFromDisposeScope();
        using var valLabels = tensor(Labels(validation), [validation.Count, outputs]).DetachFromDisposeScope();
        var optimizer = optim.AdamW(baseline.parameters(), lr: 0.05, weight_decay: 1e-4);
        var best = double.PositiveInfinity;
        var bestState = new Dictionary<string, Tensor>();
        var sinceBest = 0;
        var epochs = 0;
        for (var epoch = 1; epoch <= options.BaselineMaxEpochs; epoch++)
        {
            epochs = epoch;
            using (var scope = NewDisposeScope())
            {
                baseline.train();
                optimizer.zero_grad();
                var loss = nn.functional.binary_cross_entropy_with_logits(baseline.forward(trainFeatures), trainLabels);
                loss.backward();
                optimizer.step();
            }
            double valLoss;
            using (var scope = NewDisposeScope())
            using (var noGrad = no_grad())
            {
                baseline.eval();
                valLoss = nn.functional.binary_cross_entropy_with_logits(baseline.forward(valFeatures), valLabels).item<float>();
            }
            if (valLoss < best - 1e-5)
            {
                best = valLoss;
                sinceBest = 0;
                foreach (var t in bestState.Values) t.Dispose();
                bestState = baseline.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone().DetachFromDisposeScope());
            }
            else if (++sinceBest >= 20) break;
        }
        baseline.load_state_dict(bestState);
        foreach (var t in bestState.Values) t.Dispose();
        baseline.eval();
        double[][] Predict(IReadOnlyList<EncodedTreatment> items)
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var p = baseline.forward(X(Features(items), items.Count)).sigmoid().to(ScalarType.Float64).data<double>().ToArray();
            return Enumerable.Range(0, items.Count).Select(i => p.AsSpan(i * outputs, outputs).ToArray()).ToArray();
        }
        return (Predict, epochs, baseline);
    }

    /// <summary>
    /// Paired bootstrap over held-out test patients (a patient's treatments are resampled together, since they share the
    /// patient's hidden traits): the improvement of the model over the baseline in Brier and log-loss (baseline − model)
    /// and AUC (model − baseline), with percentile 95 % intervals.
    /// </summary>
    private List<BootstrapComparison> PatientBootstrap(List<int> patientOf, List<double> model, List<double> baseline, List<bool> y)
    {
        var byPatient = Enumerable.Range(0, y.Count).GroupBy(i => patientOf[i]).Select(g => g.ToArray()).ToArray();
        var rng = new Random(options.Seed + 4);
        var metrics = new (string Name, Func<List<double>, List<bool>, double> Score, double Sign)[]
        {
            ("Brier", ProbabilityMetrics.Brier, -1), ("log-loss", ProbabilityMetrics.LogLoss, -1), ("AUC", ProbabilityMetrics.Auc, 1),
        };
        var samples = metrics.Select(_ => new List<double>(options.BootstrapResamples)).ToArray();
        for (var b = 0; b < options.BootstrapResamples; b++)
        {
            var idx = new List<int>(y.Count);
            for (var k = 0; k < byPatient.Length; k++) idx.AddRange(byPatient[rng.Next(byPatient.Length)]);
            var ys = idx.Select(i => y[i]).ToList();
            var m = idx.Select(i => model[i]).ToList();
            var bl = idx.Select(i => baseline[i]).ToList();
            for (var j = 0; j < metrics.Length; j++) samples[j].Add(metrics[j].Sign * (metrics[j].Score(m, ys) - metrics[j].Score(bl, ys)));
        }
        return [.. metrics.Select((metric, j) =>
        {
            var sorted = samples[j].Order().ToArray();
            var (full, fullBaseline) = (metric.Score(model, y), metric.Score(baseline, y));
            return new BootstrapComparison(metric.Name, Round(full), Round(fullBaseline), Round(metric.Sign * (full - fullBaseline), 5),
                Round(Quantile(sorted, 0.025), 5), Round(Quantile(sorted, 0.975), 5), options.BootstrapResamples, byPatient.Length);
        })];
    }

    /// <summary>
    /// Planted-effect recovery: for fresh simulated patients with the full genotype panel, the difference between two
    /// genotype groups in the simulator's true probabilities, the transformer's and the baseline's estimates (same drug,
    /// its reference dose, the patient's own history).
    /// </summary>
    private List<EffectRecovery> EffectRecoveries(
        TreatmentResponseNet net, TreatmentResponseEncoder encoder, TreatmentOutcomeSimulator simulator, ResponseModelMetadata metadata,
        Func<IReadOnlyList<EncodedTreatment>, double[][]> baseline)
    {
        var patients = simulator.Simulate(options.ProbePatients, firstIndex: options.Patients + options.ReferencePatients)
            .Where(p => p.ReportedGenotype is { } g && g.Results.Count == p.TrueGenotype.Results.Count && p.CoMedications.Count == 0).ToList();
        var calculator = new PhenotypeCalculator(simulator.KnowledgeBase);
        MetabolizerPhenotype Phenotype(SimulatedPgxPatient p, string gene) => calculator.Phenotype(p.TrueGenotype.Results.Single(r => r.Gene == gene)).Phenotype;
        bool Carrier(SimulatedPgxPatient p, string gene) => p.TrueGenotype.Results.Single(r => r.Gene == gene).IsCarrier == true;
        bool Poor(MetabolizerPhenotype x) => x is MetabolizerPhenotype.PoorMetabolizer or MetabolizerPhenotype.LikelyPoorMetabolizer;
        var allSideEffects = -1;
        var rash = encoder.SideEffects.ToList().IndexOf("rash");
        var probes = new (string Name, string Drug, int Outcome, Func<SimulatedPgxPatient, bool> A, Func<SimulatedPgxPatient, bool> B)[]
        {
            ("citalopram: expected side effects, CYP2C19 poor − normal", "citalopram", allSideEffects, p => Poor(Phenotype(p, "CYP2C19")), p => Phenotype(p, "CYP2C19") == MetabolizerPhenotype.NormalMetabolizer),
            ("paroxetine: expected side effects, CYP2D6 poor − normal", "paroxetine", allSideEffects, p => Poor(Phenotype(p, "CYP2D6")), p => Phenotype(p, "CYP2D6") == MetabolizerPhenotype.NormalMetabolizer),
            ("citalopram: expected side effects, CYP2D6 poor − normal (no planted effect)", "citalopram", allSideEffects, p => Poor(Phenotype(p, "CYP2D6")), p => Phenotype(p, "CYP2D6") == MetabolizerPhenotype.NormalMetabolizer),
            ("nortriptyline: P(response), CYP2D6 ultrarapid − normal", "nortriptyline", 0, p => Phenotype(p, "CYP2D6") == MetabolizerPhenotype.UltrarapidMetabolizer, p => Phenotype(p, "CYP2D6") == MetabolizerPhenotype.NormalMetabolizer),
            ("atomoxetine: P(response), CYP2D6 poor − normal (intolerance)", "atomoxetine", 0, p => Poor(Phenotype(p, "CYP2D6")), p => Phenotype(p, "CYP2D6") == MetabolizerPhenotype.NormalMetabolizer),
            ("carbamazepine: P(rash), HLA-B*15:02 positive − negative", "carbamazepine", 1 + rash, p => Carrier(p, "HLA-B*15:02"), p => !Carrier(p, "HLA-B*15:02") && !Carrier(p, "HLA-A*31:01")),
            ("sertraline: P(rash), HLA-B*15:02 positive − negative (no planted effect)", "sertraline", 1 + rash, p => Carrier(p, "HLA-B*15:02"), p => !Carrier(p, "HLA-B*15:02") && !Carrier(p, "HLA-A*31:01")),
        };
        var result = new List<EffectRecovery>();
        foreach (var (name, drug, outcome, inA, inB) in probes)
        {
            var a = patients.Where(inA).ToList();
            var b = patients.Where(inB).ToList();
            if (a.Count == 0 || b.Count == 0) continue;
            var dose = metadata.ReferenceDosesMg[drug];
            double Value(IReadOnlyList<double> p) => outcome == allSideEffects ? p.Skip(1).Sum() : p[outcome];
            double[] Oracle(SimulatedPgxPatient p)
            {
                var history = p.Treatments.Where(t => t.Drug != drug).ToList();
                var o = simulator.Probabilities(p, drug, dose, p.Traits.Adherence, history.Count(t => !t.Responded));
                return [o.Response, .. o.SideEffects];
            }
            List<EncodedTreatment> Inputs(List<SimulatedPgxPatient> group) => group.Select(p => encoder.Encode(new TreatmentResponseInput(
                drug, dose, p.ReportedGenotype, p.CoMedications, p.Treatments.Where(t => t.Drug != drug).Select(t => t.ToPastTreatment()).ToList()))).ToList();
            double Model(List<SimulatedPgxPatient> group)
            {
                var (e, s) = PgxModels.Logits(net, encoder, Inputs(group));
                return Enumerable.Range(0, group.Count).Average(i => Value(
                    [ProbabilityMetrics.Sigmoid(e[i] / metadata.EfficacyTemperature), .. s[i].Select((z, k) => ProbabilityMetrics.Sigmoid(z / metadata.SideEffectTemperatures[k]))]));
            }
            double Baseline(List<SimulatedPgxPatient> group) => baseline(Inputs(group)).Average(Value);
            result.Add(new EffectRecovery(name, a.Count, b.Count,
                Round(a.Average(p => Value(Oracle(p))) - b.Average(p => Value(Oracle(p)))),
                Round(Model(a) - Model(b)), Round(Baseline(a) - Baseline(b))));
        }
        return result;
    }

    /// <summary>Per drug, the 0..100th percentiles of calibrated efficacy over fresh simulated patients at the drug's reference dose.</summary>
    private Dictionary<string, IReadOnlyList<double>> ReferenceQuantiles(
        TreatmentResponseNet net, TreatmentResponseEncoder encoder, TreatmentOutcomeSimulator simulator, ResponseModelMetadata metadata)
    {
        var reference = simulator.Simulate(options.ReferencePatients, firstIndex: options.Patients);
        var result = new Dictionary<string, IReadOnlyList<double>>(StringComparer.Ordinal);
        foreach (var drug in metadata.Drugs)
        {
            var inputs = reference.Select(p => encoder.Encode(new TreatmentResponseInput(
                drug, metadata.ReferenceDosesMg[drug], p.ReportedGenotype, p.CoMedications,
                p.Treatments.Where(t => t.Drug != drug).Select(t => t.ToPastTreatment()).ToList()))).ToList();
            var (logits, _) = PgxModels.Logits(net, encoder, inputs);
            var scores = logits.Select(z => ProbabilityMetrics.Sigmoid(z / metadata.EfficacyTemperature)).Order().ToArray();
            result[drug] = Enumerable.Range(0, 101).Select(k => Round(Quantile(scores, k / 100.0), 6)).ToList();
        }
        return result;
    }

    private static double Quantile(double[] sorted, double q)
    {
        var position = q * (sorted.Length - 1);
        var lower = (int)Math.Floor(position);
        var upper = Math.Min(sorted.Length - 1, lower + 1);
        return sorted[lower] + (position - lower) * (sorted[upper] - sorted[lower]);
    }

    public const string GraphEvaluationMethod =
        "k-fold over drug–gene pairs; each fold hides its held-out relations and every path that would reveal them " +
        "(the relation's edges, the guideline membership of every drug under test, guideline–gene edges no remaining drug supports)";

    private (GeneDrugGraphNet Net, GraphReport Report) TrainGraph(GeneDrugGraph graph, GraphModelMetadata metadata)
    {
        var rng = new Random(options.Seed + 2);
        var positives = graph.Interactions.ToArray();
        var positiveSet = positives.ToHashSet();
        var negatives = graph.Drugs.SelectMany(d => graph.Genes.Select(g => (d, g))).Where(p => !positiveSet.Contains(p)).ToArray();
        rng.Shuffle(positives);
        rng.Shuffle(negatives);
        var folds = Math.Max(2, options.GraphFolds);

        var heldOut = new List<HeldOutInteraction>();
        var pooledScores = new List<double>();
        var pooledBaseline = new List<double>();
        var pooledLabels = new List<bool>();
        var foldAucs = new List<double>();
        var baselineFoldAucs = new List<double>();
        for (var fold = 0; fold < folds; fold++)
        {
            var testPositives = positives.Where((_, i) => i % folds == fold).ToList();
            var testNegatives = negatives.Where((_, i) => i % folds == fold).ToList();
            var hidden = testPositives.ToHashSet();
            var pairs = testPositives.Concat(testNegatives).ToList();
            var foldGraph = new GeneDrugGraph(graph.Nodes, graph.EdgesWithout(hidden, pairs.Select(p => p.Item1).ToHashSet()));
            var excluded = pairs.ToHashSet();
            using var net = FitGraph(foldGraph, metadata, excluded, options.Seed + 10 + fold);
            var scores = PgxModels.GraphScores(net, foldGraph, pairs);
            // Baseline: how many training drugs interact with the gene (a popular gene is a likely partner).
            var geneDegree = foldGraph.Interactions.GroupBy(p => p.Gene).ToDictionary(g => g.Key, g => (double)g.Count());
            var baselineScores = pairs.Select(p => geneDegree.GetValueOrDefault(p.Item2)).ToList();
            var labels = pairs.Select(p => hidden.Contains(p)).ToList();
            foldAucs.Add(Round(ProbabilityMetrics.Auc(scores, labels)));
            baselineFoldAucs.Add(Round(ProbabilityMetrics.Auc(baselineScores, labels)));
            pooledScores.AddRange(scores);
            pooledBaseline.AddRange(baselineScores);
            pooledLabels.AddRange(labels);
            var negativeScores = scores.Skip(testPositives.Count).ToArray();
            for (var i = 0; i < testPositives.Count; i++)
            {
                var (d, g) = testPositives[i];
                var relation = string.Join("+", graph.Edges.Where(e => e.Source == d && e.Target == g).Select(e => e.Relation.ToString()));
                var below = negativeScores.Length == 0 ? double.NaN : negativeScores.Count(s => s < scores[i]) / (double)negativeScores.Length;
                heldOut.Add(new HeldOutInteraction(graph.Nodes[d].Name, graph.Nodes[g].Name, relation, fold, Round(scores[i]), Round(below)));
            }
        }

        // Paired bootstrap over held-out pairs (positives and negatives resampled separately) of model AUC − baseline AUC.
        var pos = Enumerable.Range(0, pooledLabels.Count).Where(i => pooledLabels[i]).ToArray();
        var neg = Enumerable.Range(0, pooledLabels.Count).Where(i => !pooledLabels[i]).ToArray();
        var boot = new Random(options.Seed + 5);
        var differences = new double[options.BootstrapResamples];
        for (var b = 0; b < differences.Length; b++)
        {
            var idx = pos.Select(_ => pos[boot.Next(pos.Length)]).Concat(neg.Select(_ => neg[boot.Next(neg.Length)])).ToList();
            var ys = idx.Select(i => pooledLabels[i]).ToList();
            differences[b] = ProbabilityMetrics.Auc(idx.Select(i => pooledScores[i]).ToList(), ys) - ProbabilityMetrics.Auc(idx.Select(i => pooledBaseline[i]).ToList(), ys);
        }
        Array.Sort(differences);

        var final = FitGraph(graph, metadata, [], options.Seed + 3);
        var all = positives.Concat(negatives).ToList();
        var trainingAuc = ProbabilityMetrics.Auc(PgxModels.GraphScores(final, graph, all), all.Select(positiveSet.Contains).ToList());
        return (final, new GraphReport(
            graph.Nodes.Count, graph.Edges.Count, positives.Length, positives.Length + negatives.Length, folds,
            foldAucs, Round(ProbabilityMetrics.Auc(pooledScores, pooledLabels)), pooledLabels.Count(v => v), pooledLabels.Count(v => !v),
            Round(trainingAuc), heldOut.OrderBy(h => h.Drug, StringComparer.Ordinal).ThenBy(h => h.Gene, StringComparer.Ordinal).ToList(), [],
            GraphEvaluationMethod, Round(ProbabilityMetrics.Auc(pooledBaseline, pooledLabels)),
            [Round(Quantile(differences, 0.025)), Round(Quantile(differences, 0.975))], baselineFoldAucs));
    }

    /// <summary>
    /// Link prediction on <paramref name="graph"/>'s interactions: each epoch, every known interaction is a positive and
    /// <see cref="PgxTrainingOptions.GraphNegativesPerPositive"/> random drug–gene pairs per positive are negatives (never
    /// a known interaction, never a held-out pair).
    /// </summary>
    private GeneDrugGraphNet FitGraph(GeneDrugGraph graph, GraphModelMetadata metadata, HashSet<(int, int)> excluded, int seed)
    {
        manual_seed(seed);
        var rng = new Random(seed);
        var net = PgxModels.CreateGraphNet(metadata);
        var positives = graph.Interactions.ToList();
        var positiveSet = positives.ToHashSet();
        var candidates = graph.Drugs.SelectMany(d => graph.Genes.Select(g => (d, g))).Where(p => !positiveSet.Contains(p) && !excluded.Contains(p)).ToList();
        var optimizer = optim.AdamW(net.parameters(), lr: options.GraphLearningRate, weight_decay: 5e-4);
        using var adjacency = GeneDrugGraphNet.Adjacency(graph.Nodes.Count, Enum.GetValues<GraphRelation>().Length, graph.Edges).DetachFromDisposeScope();
        for (var epoch = 0; epoch < options.GraphEpochs; epoch++)
        {
            using var scope = NewDisposeScope();
            net.train();
            var negatives = Enumerable.Range(0, positives.Count * options.GraphNegativesPerPositive).Select(_ => candidates[rng.Next(candidates.Count)]).ToList();
            var pairs = positives.Concat(negatives).ToList();
            var labels = tensor(pairs.Select((_, i) => i < positives.Count ? 1f : 0f).ToArray());
            optimizer.zero_grad();
            var states = net.forward(adjacency);
            var logits = net.Score(states, tensor(pairs.Select(p => (long)p.Item1).ToArray()), tensor(pairs.Select(p => (long)p.Item2).ToArray()));
            var loss = nn.functional.binary_cross_entropy_with_logits(logits, labels);
            loss.backward();
            optimizer.step();
        }
        net.eval();
        return net;
    }

    private static ProbabilisticScores Scores(string name, List<double> p, List<bool> y) => new(
        name, Round(ProbabilityMetrics.Brier(p, y)), Round(ProbabilityMetrics.LogLoss(p, y)), Round(ProbabilityMetrics.Auc(p, y)),
        Round(ProbabilityMetrics.ExpectedCalibrationError(p, y)));

    private static double Round(double x) => Round(x, 4);

    private static double Round(double x, int digits) => double.IsFinite(x) ? Math.Round(x, digits) : x;
}
