using NovaMind.Domain.Forecasting;
using NovaMind.Domain.Observations;
using NovaMind.Domain.Simulation;
using NovaMind.Ml.Forecasting;

namespace NovaMind.Ml.Tests;

/// <summary>One small model trained once for the whole class (a few seconds), plus realistic inputs.</summary>
public sealed class TrainedForecastModel : IDisposable
{
    public const string Version = "test";

    public TrainedForecastModel()
    {
        Options = ForecastTrainingOptions.Quick(Version) with { Patients = 40, Days = 90, MaxEpochs = 3 };
        Model = new ForecastTrainer(Options).Train();

        // Windows of patients the trainer never saw (another seed), plus a few hand-made edge cases.
        var inputs = new List<ForecastInput>();
        foreach (var patient in new CohortSimulator(99).Simulate(12, 60, new DateOnly(2026, 9, 30)))
            if (ForecastWindow.TryBuild(patient.Observations, ObservationType.Mood, out _) is { } w)
                inputs.Add(new ForecastInput(w.Scaled, w.Mask));
        inputs.Add(new ForecastInput(Enumerable.Repeat(0.5f, ForecastWindow.Length).ToArray(), Enumerable.Repeat(1f, ForecastWindow.Length).ToArray()));
        inputs.Add(new ForecastInput(new float[ForecastWindow.Length], Enumerable.Repeat(1f, ForecastWindow.Length).ToArray()));
        inputs.Add(new ForecastInput(Enumerable.Repeat(1f, ForecastWindow.Length).ToArray(), Enumerable.Range(0, ForecastWindow.Length).Select(i => i % 3 == 0 ? 0f : 1f).ToArray()));
        Inputs = inputs;
    }

    public ForecastTrainingOptions Options { get; }
    public ForecastModel Model { get; }
    public IReadOnlyList<ForecastInput> Inputs { get; }

    public void Dispose() => Model.Dispose();
}

public class ForecastModelTests(TrainedForecastModel trained) : IClassFixture<TrainedForecastModel>
{
    private ForecastModel Model => trained.Model;

    [Fact]
    public void Fixture_HasRealisticInputs()
    {
        Assert.True(trained.Inputs.Count >= 10, $"only {trained.Inputs.Count} inputs");
    }

    [Fact]
    public void Metadata_DescribesTheTrainedModel()
    {
        var m = Model.Metadata;
        Assert.Equal("test", m.Version);
        Assert.Equal("test", Model.Version);
        Assert.Equal("mood", m.Symptom);
        Assert.Equal(ForecastWindow.Length, m.Window);
        Assert.Equal(28, m.MaxHorizon);
        Assert.Equal(28, Model.MaxHorizon);
        Assert.Equal(trained.Options.Hidden, m.Hidden);
        Assert.Equal(trained.Options.Seed, m.Seed);
        Assert.NotNull(m.Metrics);
        Assert.InRange(m.Metrics.Epochs, 1, 3);
        Assert.Equal(6, m.Metrics.TestPatients); // 40 patients split 28 / 6 / 6
        Assert.True(m.Metrics.TestWindows > 0);
        Assert.Equal(28, m.Metrics.MaeModel.Length);
        Assert.Equal(28, m.Metrics.MaeLastValue.Length);
        Assert.InRange(m.Metrics.Coverage80, 0, m.Metrics.Coverage95);
        Assert.InRange(m.Metrics.Coverage95, 0, 1);
        Assert.True(double.IsFinite(m.Metrics.BestValidationNll));
    }

    [Fact]
    public void Predict_GivesMaxHorizonFiniteMeansAndPositiveSigmas_PerInput()
    {
        var outputs = Model.Predict(trained.Inputs);

        Assert.Equal(trained.Inputs.Count, outputs.Length);
        Assert.All(outputs, o =>
        {
            Assert.Equal(Model.MaxHorizon, o.Mean.Length);
            Assert.Equal(Model.MaxHorizon, o.Sigma.Length);
            Assert.All(o.Mean, v => Assert.True(float.IsFinite(v)));
            Assert.All(o.Sigma, s => Assert.True(float.IsFinite(s) && s > 0, $"sigma {s}"));
        });
    }

    [Fact]
    public void Predict_EmptyBatch_IsEmpty()
    {
        Assert.Empty(Model.Predict([]));
    }

    [Fact]
    public void BatchPrediction_EqualsOneByOnePrediction()
    {
        // The scheduler batches unrelated requests: a request's answer must not depend on its batch-mates.
        var batch = Model.Predict(trained.Inputs);

        for (var i = 0; i < trained.Inputs.Count; i++)
        {
            var alone = Assert.Single(Model.Predict([trained.Inputs[i]]));
            AssertClose(batch[i], alone, 1e-5f);
        }

        var reversed = Model.Predict(trained.Inputs.Reverse().ToList());
        for (var i = 0; i < trained.Inputs.Count; i++)
            AssertClose(batch[i], reversed[trained.Inputs.Count - 1 - i], 1e-5f);
    }

    [Fact]
    public void Predict_DifferentInputs_GiveDifferentForecasts()
    {
        var outputs = Model.Predict(trained.Inputs);
        Assert.NotEqual(outputs[^1].Mean, outputs[^2].Mean);
        Assert.NotEqual(outputs[^2].Mean, outputs[^3].Mean);
    }

    [Fact]
    public void SaveThenLoad_PredictsExactlyTheSame()
    {
        var dir = Directory.CreateTempSubdirectory("novamind-forecast-");
        try
        {
            var artifact = Path.Combine(dir.FullName, TrainedForecastModel.Version);
            Model.Save(artifact);
            Assert.True(File.Exists(Path.Combine(artifact, ForecastModel.WeightsFile)));
            Assert.True(File.Exists(Path.Combine(artifact, ForecastModel.MetadataFile)));

            using var loaded = ForecastModel.Load(artifact);

            AssertSameMetadata(Model.Metadata, loaded.Metadata);
            AssertIdentical(Model.Predict(trained.Inputs), loaded.Predict(trained.Inputs));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void LoadCurrent_LoadsTheVersionNamedByCurrent()
    {
        var dir = Directory.CreateTempSubdirectory("novamind-forecast-");
        try
        {
            Model.Save(Path.Combine(dir.FullName, TrainedForecastModel.Version));
            File.WriteAllText(Path.Combine(dir.FullName, ForecastModel.CurrentFile), TrainedForecastModel.Version + "\n");

            using var loaded = ForecastModel.LoadCurrent(dir.FullName);

            Assert.Equal(TrainedForecastModel.Version, loaded.Version);
            AssertIdentical(Model.Predict(trained.Inputs), loaded.Predict(trained.Inputs));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void LoadCurrent_WithoutCurrentFile_ThrowsFileNotFoundNamingTheTrainCommand()
    {
        var dir = Directory.CreateTempSubdirectory("novamind-forecast-");
        try
        {
            var ex = Assert.Throws<FileNotFoundException>(() => ForecastModel.LoadCurrent(dir.FullName));

            Assert.Contains("novamind train forecast", ex.Message);
            Assert.Equal(Path.Combine(dir.FullName, ForecastModel.CurrentFile), ex.FileName);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData(27, 28)]
    [InlineData(29, 29)]
    [InlineData(28, 27)]
    [InlineData(0, 0)]
    public void Predict_WrongInputLength_ThrowsArgumentException(int scaledLength, int maskLength)
    {
        var bad = new ForecastInput(new float[scaledLength], new float[maskLength]);

        var ex = Assert.Throws<ArgumentException>(() => Model.Predict([trained.Inputs[0], bad]));
        Assert.Contains("input 1", ex.Message);
        Assert.Contains("expects 28", ex.Message);
    }

    private static void AssertClose(ForecastOutput expected, ForecastOutput actual, float tolerance)
    {
        Assert.Equal(expected.Mean.Length, actual.Mean.Length);
        Assert.Equal(expected.Sigma.Length, actual.Sigma.Length);
        for (var k = 0; k < expected.Mean.Length; k++)
        {
            Assert.Equal(expected.Mean[k], actual.Mean[k], tolerance);
            Assert.Equal(expected.Sigma[k], actual.Sigma[k], tolerance);
        }
    }

    private static void AssertIdentical(ForecastOutput[] expected, ForecastOutput[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i].Mean, actual[i].Mean);
            Assert.Equal(expected[i].Sigma, actual[i].Sigma);
        }
    }

    private static void AssertSameMetadata(ForecastModelMetadata expected, ForecastModelMetadata actual)
    {
        Assert.Equal(expected.Version, actual.Version);
        Assert.Equal(expected.Symptom, actual.Symptom);
        Assert.Equal(expected.Window, actual.Window);
        Assert.Equal(expected.MaxHorizon, actual.MaxHorizon);
        Assert.Equal(expected.Hidden, actual.Hidden);
        Assert.Equal(expected.Seed, actual.Seed);
        Assert.Equal(expected.TrainedAt, actual.TrainedAt);
        Assert.Equal(expected.Metrics.TestPatients, actual.Metrics.TestPatients);
        Assert.Equal(expected.Metrics.TestWindows, actual.Metrics.TestWindows);
        Assert.Equal(expected.Metrics.MaeModel, actual.Metrics.MaeModel);
        Assert.Equal(expected.Metrics.MaeLastValue, actual.Metrics.MaeLastValue);
        Assert.Equal(expected.Metrics.Coverage80, actual.Metrics.Coverage80);
        Assert.Equal(expected.Metrics.Coverage95, actual.Metrics.Coverage95);
        Assert.Equal(expected.Metrics.Epochs, actual.Metrics.Epochs);
        Assert.Equal(expected.Metrics.BestValidationNll, actual.Metrics.BestValidationNll);
    }
}
