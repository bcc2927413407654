using System.CommandLine;
using NovaMind.Ml;

namespace NovaMind.Cli;

/// <summary>
/// Model change control: <c>models promote</c> makes a trained version the served one and records who, when, why and the
/// artifact's hash in the append-only, hash-chained <c>models/promotions.jsonl</c> (a rollback is a promotion of the older
/// version); <c>models log</c> lists the record; <c>models verify</c> checks the chain, each kind's CURRENT against its last
/// promotion, and that promoted files are unchanged.
/// </summary>
public static class ModelCommands
{
    public static Command Create()
    {
        var modelsOption = new Option<string>("--models") { Description = "Models root", DefaultValueFactory = _ => Path.Combine(Environment.CurrentDirectory, "models") };
        var models = new Command("models", "Promote, list and verify served model versions.");

        var kind = new Argument<string>("kind") { Description = "forecast, correlation or pgx" };
        var version = new Argument<string>("version") { Description = "A trained version folder under models/<kind>/" };
        var by = new Option<string>("--by") { Description = "Who decides this promotion (a person, recorded)", Required = true };
        var reason = new Option<string>("--reason") { Description = "Why (e.g. the release evaluation that supports it, or the incident a rollback answers)", Required = true };
        var promote = new Command("promote", "Make a version the served one and record it (also how to roll back).") { kind, version, by, reason, modelsOption };
        promote.SetAction(r =>
        {
            var record = ModelPromotions.Promote(r.GetValue(modelsOption)!, r.GetValue(kind)!, r.GetValue(version)!, r.GetValue(by)!, r.GetValue(reason)!);
            Console.WriteLine($"{record.Kind} {record.Previous ?? "(none)"} → {record.Version}, by {record.By}, artifact sha256 {record.ArtifactSha256[..16]}…; " +
                              "silos serve it once they run an image (or Models__Root) with this CURRENT: roll out as in deploy/README.md.");
            return 0;
        });

        var log = new Command("log", "List the promotions on record.") { modelsOption };
        log.SetAction(r =>
        {
            foreach (var p in ModelPromotions.Read(r.GetValue(modelsOption)!))
                Console.WriteLine($"{p.At:yyyy-MM-dd HH:mm}Z  {p.Kind,-12} {p.Previous ?? "-",-8} → {p.Version,-8} by {p.By}: {p.Reason} (artifact {p.ArtifactSha256[..12]}…, report {p.Report ?? "none"})");
            return 0;
        });

        var verify = new Command("verify", "Check the promotion log's chain, CURRENT files and promoted artifacts.") { modelsOption };
        verify.SetAction(r =>
        {
            var problems = ModelPromotions.Verify(r.GetValue(modelsOption)!);
            foreach (var problem in problems) Console.Error.WriteLine($"models verify: {problem}");
            if (problems.Count == 0) Console.WriteLine("promotion log intact; every CURRENT is its last promotion; promoted artifacts unchanged");
            return problems.Count == 0 ? 0 : 1;
        });

        models.Subcommands.Add(promote);
        models.Subcommands.Add(log);
        models.Subcommands.Add(verify);
        return models;
    }
}
