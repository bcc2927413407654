using NovaMind.Domain.Observations;
using NovaMind.Simulation;
using NovaMind.Ml.Correlation;

namespace NovaMind.Ml.Tests.Correlation;

/// <summary>A tiny model trained once for the class (a few seconds), then probed.</summary>
public sealed class TinyCorrelationModelFixture : IDisposable
{
    public TinyCorrelationModelFixture() => Result = new CorrelationTrainer(CorrelationTrainingOptions.Tiny("tiny-test")).Train();

    public CorrelationTrainingResult Result { get; }

    public void Dispose() => Result.Dispose();
}

public class CorrelationModelTests(TinyCorrelationModelFixture fixture) : IClassFixture<TinyCorrelationModelFixture>
{
    private static readonly DateOnly LastDay = new(2026, 3, 31);

    private CorrelationModel Model => fixture.Result.Model;

    private static IReadOnlyCollection<Observation> Patient(int index) =>
        (IReadOnlyCollection<Observation>)new CohortSimulator(99).SimulatePatient(index, 60, LastDay).Observations;

    private List<CorrelationWindowInput> Inputs(int count) =>
        Enumerable.Range(0, count).Select(i => Model.BuildInput(Patient(i % 3), ObservationType.Mood, LastDay.AddDays(-(i % 7)))).ToList();

    [Fact]
    public void TinyModel_BeatsPredictingTheMean_OnHeldOutPatients()
    {
        var m = Model.Metadata.Metrics;
        Assert.True(m.Mae < m.MaeMean, $"MAE {m.Mae} vs mean {m.MaeMean}");
        Assert.True(m.Rmse < m.RmseMean, $"RMSE {m.Rmse} vs mean {m.RmseMean}");
        Assert.True(m.TestWindows > 0 && m.Epochs >= 1);
    }

    [Fact]
    public void Importances_AreProbabilityVectors_OfTheRightLength()
    {
        foreach (var o in Model.Predict(Inputs(5)))
        {
            Assert.Equal(Model.Window, o.TemporalImportance.Length);
            Assert.All(o.TemporalImportance, x => Assert.InRange(x, 0, 1));
            Assert.Equal(1, o.TemporalImportance.Sum(), 9);
            Assert.Equal(CorrelationWindow.Modalities, o.ModalityImportance.Keys.ToList());
            Assert.All(o.ModalityImportance.Values, x => Assert.InRange(x, 0, 1));
            Assert.Equal(1, o.ModalityImportance.Values.Sum(), 9);
            Assert.InRange(o.NextDaySymptom, 0, 10);
        }
    }

    [Fact]
    public void Batch_EqualsOneByOne()
    {
        var inputs = Inputs(9);
        var batch = Model.Predict(inputs);
        for (var i = 0; i < inputs.Count; i++)
        {
            var single = Model.Predict([inputs[i]])[0];
            Assert.Equal(batch[i].NextDaySymptom, single.NextDaySymptom, 5);
            for (var t = 0; t < Model.Window; t++) Assert.Equal(batch[i].TemporalImportance[t], single.TemporalImportance[t], 5);
            foreach (var (k, v) in batch[i].ModalityImportance) Assert.Equal(v, single.ModalityImportance[k], 5);
        }
    }

    [Fact]
    public void SaveLoad_RoundTrip_GivesIdenticalOutputs()
    {
        var dir = Path.Combine(Path.GetTempPath(), "novamind-correlation-" + Guid.NewGuid().ToString("N"));
        try
        {
            fixture.Result.Model.Save(dir);
            using var loaded = CorrelationModel.Load(dir);
            Assert.Equal(Model.Metadata.Modalities, loaded.Metadata.Modalities);
            Assert.Equal(Model.Metadata with { Modalities = [] }, loaded.Metadata with { Modalities = [] });
            var inputs = Inputs(4);
            var a = Model.Predict(inputs);
            var b = loaded.Predict(inputs);
            for (var i = 0; i < inputs.Count; i++)
            {
                Assert.Equal(a[i].NextDaySymptom, b[i].NextDaySymptom);
                Assert.Equal(a[i].TemporalImportance, b[i].TemporalImportance);
                Assert.Equal(a[i].ModalityImportance, b[i].ModalityImportance);
            }
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void WindowBuilder_StandardisesBiometrics_FillsTheSymptom_AndRejectsOtherSymptoms()
    {
        var input = Model.BuildInput(Patient(0), ObservationType.Mood, LastDay);
        var m = CorrelationWindow.Modalities.Count;
        Assert.Equal(Model.Window * m, input.Values.Length);
        for (var b = 0; b < CorrelationWindow.Biometrics.Count; b++)
        {
            var observed = Enumerable.Range(0, Model.Window).Where(d => input.Mask[d * m + b] == 1).Select(d => (double)input.Values[d * m + b]).ToList();
            Assert.True(observed.Count > Model.Window / 2);
            Assert.Equal(0, observed.Average(), 4);
        }
        // Missing symptom days are filled (mask 0) with the last value before them.
        for (var d = 1; d < Model.Window; d++)
            if (input.Mask[d * m + m - 1] == 0) Assert.Equal(input.Values[(d - 1) * m + m - 1], input.Values[d * m + m - 1]);
        Assert.Throws<ArgumentException>(() => Model.BuildInput(Patient(0), ObservationType.Phq9, LastDay));
        Assert.Throws<ArgumentException>(() => Model.Predict([input with { Symptom = "phq9" }]));
    }

    [Fact]
    public void Report_HasTheBaselineComparison()
    {
        var r = fixture.Result.Report;
        Assert.Contains(r.Accuracy, a => a.Predictor == "ridge lag regression" && a.Subset == "all held-out patients");
        var md = CorrelationArtifacts.Report(r);
        Assert.Contains("ridge", md);
        Assert.Contains("MODEL", CorrelationArtifacts.ModelCard(Model.Metadata, r).ToUpperInvariant());
    }
}
