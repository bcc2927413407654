using NovaMind.TestInfrastructure;
using NovaMind.Domain.Observations;
using NovaMind.Simulation;
using NovaMind.Ml.Correlation;

namespace NovaMind.Ml.Tests.Correlation;

/// <summary>The trained default committed under models/correlation loads, answers, and its recorded metrics hold up.</summary>
public class CommittedCorrelationModelTests
{
    [Fact]
    public void CommittedDefault_LoadsPredictsAndBeatsTheMean()
    {
        var root = Path.Combine(RepoPaths.Models, "correlation");
        using var model = CorrelationModel.LoadCurrent(root);
        var m = model.Metadata.Metrics;
        Assert.True(m.Mae < m.MaeMean && m.Rmse < m.RmseMean, $"MAE {m.Mae} vs mean {m.MaeMean}");
        Assert.True(m.Rmse <= m.RmseBaseline * 1.05, $"RMSE {m.Rmse} vs ridge {m.RmseBaseline}");
        Assert.Equal("mood", model.Metadata.Symptom);

        var lastDay = new DateOnly(2026, 6, 30);
        var observations = (IReadOnlyCollection<Observation>)new CohortSimulator(4242).SimulatePatient(0, 90, lastDay).Observations;
        var outputs = model.Predict([model.BuildInput(observations, ObservationType.Mood, lastDay), model.BuildInput(observations, ObservationType.Mood, lastDay.AddDays(-10))]);
        Assert.All(outputs, o =>
        {
            Assert.InRange(o.NextDaySymptom, 0, 10);
            Assert.Equal(model.Window, o.TemporalImportance.Length);
            Assert.Equal(1, o.TemporalImportance.Sum(), 6);
            Assert.Equal(1, o.ModalityImportance.Values.Sum(), 6);
        });

        var files = new DirectoryInfo(Path.Combine(root, model.Version)).GetFiles();
        Assert.True(files.Sum(f => f.Length) < 5_000_000);
        foreach (var name in new[] { CorrelationArtifacts.ModelCardFile, CorrelationArtifacts.ReportFile, CorrelationArtifacts.ReportJsonFile, CorrelationModel.MetadataFile })
            Assert.Contains(files, f => f.Name == name);
    }
}
