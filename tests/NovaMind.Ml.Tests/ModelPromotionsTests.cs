using NovaMind.TestInfrastructure;

namespace NovaMind.Ml.Tests;

public sealed class ModelPromotionsTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "novamind-promotions-" + Guid.NewGuid().ToString("N"));

    public ModelPromotionsTests()
    {
        foreach (var v in new[] { "1.0.0", "1.1.0" })
        {
            Directory.CreateDirectory(Path.Combine(_root, "forecast", v, "mood"));
            File.WriteAllText(Path.Combine(_root, "forecast", v, "report.md"), $"report {v}");
            File.WriteAllText(Path.Combine(_root, "forecast", v, "mood", "weights.bin"), $"weights {v}");
        }
    }

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    private static readonly DateTimeOffset At = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Promotions_set_current_and_are_recorded_with_who_why_and_the_artifact_hash()
    {
        var first = ModelPromotions.Promote(_root, "forecast", "1.0.0", "dr-ops", "release evaluation 1.0.0", At);
        var second = ModelPromotions.Promote(_root, "forecast", "1.1.0", "dr-ops", "release evaluation 1.1.0", At.AddDays(1));
        var rollback = ModelPromotions.Promote(_root, "forecast", "1.0.0", "sre-on-call", "rollback: live error above offline", At.AddDays(2));

        Assert.Equal("1.0.0", File.ReadAllText(Path.Combine(_root, "forecast", "CURRENT")).Trim());
        Assert.Equal([null, "1.0.0", "1.1.0"], ModelPromotions.Read(_root).Select(p => p.Previous));
        Assert.Equal(["dr-ops", "dr-ops", "sre-on-call"], ModelPromotions.Read(_root).Select(p => p.By));
        Assert.Equal(first.ArtifactSha256, rollback.ArtifactSha256); // the same bytes again
        Assert.NotEqual(first.ArtifactSha256, second.ArtifactSha256);
        Assert.Equal("forecast/1.1.0/report.md", second.Report);
        Assert.Equal(64, second.ReportSha256!.Length);
        Assert.Empty(ModelPromotions.Verify(_root));
    }

    [Fact]
    public void Verify_finds_an_edited_log_line_a_changed_artifact_and_a_current_set_by_hand()
    {
        ModelPromotions.Promote(_root, "forecast", "1.0.0", "dr-ops", "first", At);
        ModelPromotions.Promote(_root, "forecast", "1.1.0", "dr-ops", "second", At.AddDays(1));
        var log = Path.Combine(_root, ModelPromotions.LogFile);
        var lines = File.ReadAllLines(log);

        File.WriteAllLines(log, [lines[0].Replace("dr-ops", "someone-else", StringComparison.Ordinal), lines[1]]);
        var edited = ModelPromotions.Verify(_root);
        Assert.Contains(edited, p => p.StartsWith("line 1 (forecast 1.0.0): the chain hash does not match", StringComparison.Ordinal));
        Assert.Contains(edited, p => p.StartsWith("line 2 (forecast 1.1.0): the chain hash does not match", StringComparison.Ordinal));

        File.WriteAllLines(log, [lines[1]]); // the first line removed
        Assert.Contains(ModelPromotions.Verify(_root), p => p.StartsWith("line 1 (forecast 1.1.0): the chain hash", StringComparison.Ordinal));

        File.WriteAllLines(log, lines);
        Assert.Empty(ModelPromotions.Verify(_root));
        File.AppendAllText(Path.Combine(_root, "forecast", "1.1.0", "mood", "weights.bin"), "!");
        Assert.Contains("forecast 1.1.0: its files changed after promotion (artifact hash differs); promote a new version instead", ModelPromotions.Verify(_root));

        File.WriteAllText(Path.Combine(_root, "forecast", "1.1.0", "mood", "weights.bin"), "weights 1.1.0");
        File.WriteAllText(Path.Combine(_root, "forecast", "CURRENT"), "1.0.0\n");
        Assert.Equal(["forecast/CURRENT names 1.0.0, but the last promotion on record is 1.1.0"], ModelPromotions.Verify(_root));
    }

    [Fact]
    public void A_version_that_does_not_exist_is_not_promoted_and_nothing_is_recorded()
    {
        Assert.Throws<DirectoryNotFoundException>(() => ModelPromotions.Promote(_root, "forecast", "9.9.9", "dr-ops", "typo", At));
        Assert.False(File.Exists(Path.Combine(_root, "forecast", "CURRENT")));
        Assert.Empty(ModelPromotions.Read(_root));
    }

    [Fact]
    public void The_repositorys_served_models_match_their_promotion_record()
    {
        // Promoted artifacts are immutable and every CURRENT was set through a recorded promotion.
        Assert.Empty(ModelPromotions.Verify(RepoPaths.Models));
    }
}
