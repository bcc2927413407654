using System.Diagnostics;
using NovaMind.Domain.Forecasting;
using NovaMind.Domain.Observations;
using NovaMind.Simulation;
using NovaMind.Ml.Forecasting;
using Xunit.Abstractions;

namespace NovaMind.Ml.Tests.Forecasting;

public class SequenceWindowTests
{
    private static readonly DateOnly LastDay = new(2026, 6, 30);

    private static Observation At(DateOnly day, ObservationType type, double value, int hour) =>
        new(new DateTimeOffset(day.ToDateTime(new TimeOnly(hour, 0)), TimeSpan.Zero), type, value);

    [Fact]
    public void WindowsNeverUseDaysAfterTheOrigin()
    {
        var patient = new SymptomCohortSimulator(7).SimulatePatient(0, 120, LastDay);
        var builder = new SequenceWindowBuilder(0, patient.Observations, ObservationType.Mood);
        var origin = builder.Origins().First(o => o.DayNumber >= patient.FirstDay.DayNumber + 70);
        var before = builder.Build(origin)!;

        var spiked = patient.Observations.ToList();
        for (var d = 1; d <= 20; d++)
            foreach (var type in SymptomCohortSimulator.ObservationTypesEmitted)
                spiked.Add(At(origin.AddDays(d), type, type.Max, hour: 1));
        var after = new SequenceWindowBuilder(0, spiked, ObservationType.Mood).Build(origin)!;

        Assert.Equal(before.Encoder, after.Encoder);
        Assert.Equal(before.DecoderCalendar, after.DecoderCalendar);
        Assert.Equal(before.LastValue, after.LastValue);
        Assert.Equal(before.Scaler, after.Scaler);
        Assert.NotEqual(before.Targets, after.Targets); // the spike is in the future targets only
        Assert.Equal(56 * SequenceWindowBuilder.EncoderFeatures.Count, before.Encoder.Length);
        Assert.Equal(14, before.Horizon);
    }

    [Fact]
    public void NormaliserIsFittedOnlyOnDaysUpToTheOrigin()
    {
        var patient = new SymptomCohortSimulator(8).SimulatePatient(3, 120, LastDay);
        var builder = new SequenceWindowBuilder(3, patient.Observations, ObservationType.Mood);
        var origin = builder.Origins().First(o => o.DayNumber >= patient.FirstDay.DayNumber + 60);
        var window = builder.Build(origin)!;

        var upTo = DailySeries.Build(patient.Observations, ObservationType.Mood, origin, origin.DayNumber - patient.FirstDay.DayNumber + 1);
        var expected = RobustScaler.Fit(upTo, new DayRange(0, upTo.Days));
        Assert.Equal(expected, window.Scaler);

        // The last encoder day is the origin: its normalised value and mask, and the last value fed to the decoder.
        var fe = SequenceWindowBuilder.EncoderFeatures.Count;
        var lastRow = window.Encoder.AsSpan((window.Window - 1) * fe, fe);
        Assert.Equal(1f, lastRow[1]);
        Assert.Equal((float)expected.Normalise(upTo.Values[^1]), lastRow[0], 5);
        Assert.Equal(lastRow[0], window.LastValue);
        Assert.Equal(window.LastValue, window.TeacherInputs[0]); // h = 1 is fed the last observed value
    }
}

/// <summary>A small symptom cohort and one tiny model trained on its training patients, shared by the tests below.</summary>
public sealed class TransformerForecastFixture : IDisposable
{
    public const int Horizon = 14;
    public const int TrainPatients = 24;
    public const int HeldOutPatients = 12;

    public TransformerForecastFixture()
    {
        Cohort = new SymptomCohortSimulator(20261202).Simulate(TrainPatients + HeldOutPatients, 150, new DateOnly(2026, 6, 30));
        var patients = Cohort.Patients.Select(p => (p.Index, p.Observations)).ToArray();
        Train = SequenceWindowBuilder.BuildAll(patients.Take(TrainPatients), ObservationType.Mood, horizon: Horizon, stride: 2);
        HeldOut = SequenceWindowBuilder.BuildAll(patients.Skip(TrainPatients), ObservationType.Mood, horizon: Horizon, stride: 3);
        Options = new TransformerForecastOptions { MaxHorizon = Horizon, ModelDim = 32, Layers = 1, Heads = 4, FeedForward = 64, MaxEpochs = 12, Patience = 3 };
        var clock = Stopwatch.StartNew();
        var (fit, stop) = TransformerHyperparameterSearch.Holdout(Train, Horizon);
        Model = TransformerForecaster.Train(Options, fit, stop, "mood", Log.Add);
        TrainingTime = clock.Elapsed;
    }

    public SymptomCohort Cohort { get; }
    public List<SequenceWindow> Train { get; }
    public List<SequenceWindow> HeldOut { get; }
    public TransformerForecastOptions Options { get; }
    public TransformerForecaster Model { get; }
    public TimeSpan TrainingTime { get; }
    public List<string> Log { get; } = [];

    public void Dispose() => Model.Dispose();
}

/// <summary>One fixture (one training) for both classes, and no two trainings at once (torch's thread count is process-wide).</summary>
[CollectionDefinition(Name)]
public sealed class TransformerCollection : ICollectionFixture<TransformerForecastFixture>
{
    public const string Name = "transformer forecaster";
}

[Collection(TransformerCollection.Name)]
public class TransformerForecasterTests(TransformerForecastFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public void BeatsLastValueOnHeldOutPatients()
    {
        foreach (var line in fixture.Log) output.WriteLine(line);
        output.WriteLine($"train windows {fixture.Train.Count}, held-out windows {fixture.HeldOut.Count}, training {fixture.TrainingTime.TotalSeconds:F1} s, epochs {fixture.Model.Metadata.Epochs}");
        var windows = fixture.HeldOut;
        var predictions = fixture.Model.Predict(windows);
        var mae = new Dictionary<int, (double Model, double Last, double Mean, double Oracle, int N)>();
        foreach (var h in new[] { 1, 7, 14 })
        {
            double model = 0, last = 0, mean = 0, oracle = 0;
            var n = 0;
            for (var i = 0; i < windows.Count; i++)
            {
                var w = windows[i];
                if (w.TargetMask[h - 1] == 0) continue;
                var patient = fixture.Cohort.Patients[w.Patient];
                var daily = patient.Daily[ObservationType.Mood];
                var t = patient.DayIndex(w.Origin);
                var y = daily[t + h];
                Assert.Equal(y, w.Scaler.Denormalise(w.Targets[h - 1]), 4);
                var pastMean = daily.Take(t + 1).Where(v => !double.IsNaN(v)).Average();
                model += Math.Abs(predictions[i].Mean[h - 1] - y);
                last += Math.Abs(daily[t] - y);
                mean += Math.Abs(pastMean - y);
                oracle += Math.Abs(fixture.Cohort.OracleForecast(w.Patient, w.Origin, ObservationType.Mood, h).Mean[h - 1] - y);
                n++;
            }
            mae[h] = (model / n, last / n, mean / n, oracle / n, n);
            output.WriteLine($"h={h,2}: MAE transformer {model / n:F3}  last value {last / n:F3}  patient mean {mean / n:F3}  oracle {oracle / n:F3}  (n={n})");
        }
        Assert.True(mae[7].Model < mae[7].Last, $"h=7: transformer {mae[7].Model:F3} ≥ last value {mae[7].Last:F3}");
        Assert.True(mae[1].Model < mae[1].Mean, $"h=1: transformer {mae[1].Model:F3} ≥ patient mean {mae[1].Mean:F3}");
    }

    [Fact]
    public void PredictionsNeverSeeTheTrueFuture()
    {
        var windows = fixture.HeldOut.Take(40).ToList();
        var changed = windows.Select(w => w.WithFuture(
            w.TeacherInputs.Select(v => v + 5f).ToArray(),
            w.Targets.Select(v => -v + 3f).ToArray())).ToList();
        var a = fixture.Model.Predict(windows);
        var b = fixture.Model.Predict(changed);
        for (var i = 0; i < windows.Count; i++)
        {
            Assert.Equal(a[i].Mean, b[i].Mean);
            Assert.Equal(a[i].Sd, b[i].Sd);
        }
    }

    [Fact]
    public void SaveLoadRoundTripGivesIdenticalPredictions()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"nm-transformer-{Guid.NewGuid():N}");
        try
        {
            fixture.Model.Save(dir);
            using var loaded = TransformerForecaster.Load(dir);
            Assert.Equal(fixture.Model.Metadata.ModelDim, loaded.Metadata.ModelDim);
            Assert.Equal(SequenceWindowBuilder.EncoderFeatures, loaded.Metadata.EncoderFeatures);
            var windows = fixture.HeldOut.Take(50).ToList();
            var a = fixture.Model.Predict(windows);
            var b = loaded.Predict(windows);
            for (var i = 0; i < windows.Count; i++)
                Assert.Equal(a[i].Mean.Select(BitConverter.DoubleToInt64Bits), b[i].Mean.Select(BitConverter.DoubleToInt64Bits));
        }
        finally { if (Directory.Exists(dir)) Directory.Delete(dir, true); }
    }

    [Fact]
    public void HalfPrecisionIsCudaOnlyWhenLoading()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"nm-transformer-{Guid.NewGuid():N}");
        try
        {
            fixture.Model.Save(dir);
            using var loaded = TransformerForecaster.Load(dir, TorchSharp.torch.CPU, halfPrecision: true);
            Assert.Equal("cpu fp32", loaded.Precision);
            var windows = fixture.HeldOut.Take(20).ToList();
            Assert.Equal(fixture.Model.Predict(windows).SelectMany(p => p.Mean), loaded.Predict(windows).SelectMany(p => p.Mean));
        }
        finally { if (Directory.Exists(dir)) Directory.Delete(dir, true); }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Fp16CopyStaysCloseToFp32AndLeavesTheOriginalAlone(bool emulated)
    {
        var windows = fixture.HeldOut.Take(30).ToList();
        var before = fixture.Model.Predict(windows);
        using var half = fixture.Model.HalfPrecisionCopyOnCpu(emulated);
        Assert.Contains("fp16", half.Precision);
        var h = half.Predict(windows);
        // fp16 keeps about 3 significant digits; after 14 autoregressive steps the means may move by a few hundredths of a mood point.
        var diff = before.Zip(h).Max(x => x.First.Mean.Zip(x.Second.Mean).Max(y => Math.Abs(y.First - y.Second)));
        output.WriteLine($"{half.Precision}: max |Δ mean| {diff:G3}");
        Assert.InRange(diff, 1e-9, 0.05);
        Assert.All(h.SelectMany(p => p.Sd), sd => Assert.True(sd > 0 && double.IsFinite(sd)));
        Assert.Equal(before.SelectMany(p => p.Mean), fixture.Model.Predict(windows).SelectMany(p => p.Mean));
    }

    [Fact]
    public void TrainingIsDeterministicForASeed()
    {
        var options = fixture.Options with { MaxEpochs = 1 };
        var train = fixture.Train.Take(200).ToList();
        using var a = TransformerForecaster.Train(options, train, []);
        using var b = TransformerForecaster.Train(options, train, []);
        var windows = fixture.HeldOut.Take(20).ToList();
        Assert.Equal(a.Predict(windows).SelectMany(p => p.Mean), b.Predict(windows).SelectMany(p => p.Mean));
    }
}

[Collection(TransformerCollection.Name)]
public class TransformerSearchTests(TransformerForecastFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public void TimeBasedSearchPicksTheCandidateWithTheLowestValidationMae()
    {
        var options = fixture.Options with { MaxEpochs = 3, Patience = 2 };
        TransformerCandidate[] candidates = [new(32, 1), new(32, 2)];
        var result = TransformerHyperparameterSearch.Search(fixture.Train, options, candidates, folds: 2, progress: output.WriteLine);
        output.WriteLine($"search {result.Elapsed.TotalSeconds:F1} s");
        foreach (var s in result.Scores) output.WriteLine($"  {s.Candidate}: mean MAE {s.MeanMae:F4} ({string.Join(", ", s.FoldMae.Select(m => m.ToString("F4")))})");
        Assert.Equal(candidates.Length, result.Scores.Count);
        Assert.All(result.Scores, s => Assert.Equal(2, s.FoldMae.Length));
        Assert.All(result.Scores, s => Assert.All(s.FoldMae, m => Assert.InRange(m, 0.1, 3.0)));
        Assert.Equal(result.Scores.MinBy(s => s.MeanMae)!.Candidate, result.Best);
        Assert.Single(TransformerCandidate.Quick);
    }
}
