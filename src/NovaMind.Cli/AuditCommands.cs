using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using NovaMind.Domain.Privacy;
using NovaMind.Grains.Audit;

namespace NovaMind.Cli;

/// <summary><c>audit verify</c> walks the chain and names the first broken link; <c>audit query</c> lists one patient's records for an investigator.</summary>
public static class AuditCommands
{
    public static Command Create(DevSecrets secrets)
    {
        var storageOption = new Option<string?>("--storage")
        {
            Description = "Azurite connection string (default: the environment as the silo reads it: Storage__TableServiceUri with the workload's identity, or ConnectionStrings__Storage, else Azurite's UseDevelopmentStorage=true)",
        };
        var audit = new Command("audit", "The tamper-evident audit trail of every access to patient data.");

        var verify = new Command("verify", "Walk the audit chain; exit 0 when intact, 1 with the first broken link otherwise.") { storageOption };
        verify.SetAction(async (r, ct) =>
        {
            var result = await Store(r.GetValue(storageOption), secrets).VerifyAsync(ct);
            Console.WriteLine(result.Intact
                ? $"audit chain intact: {result.RecordsChecked} records, {result.CheckpointsChecked} signed checkpoints and the signed head verified"
                : $"audit chain BROKEN at record {result.BrokenAt}: {result.Problem} ({result.RecordsChecked} records before it verified)");
            return result.Intact ? 0 : 1;
        });

        var patientOption = new Option<Guid>("--patient") { Description = "Patient id (matched by its pseudonym, as the records hold it)", Required = true };
        var sinceOption = new Option<DateTimeOffset?>("--since") { Description = "Only records at or after this time (ISO 8601)" };
        var query = new Command("query", "List the audit records of one patient (who, what, when, outcome).") { storageOption, patientOption, sinceOption };
        query.SetAction(async (r, ct) =>
        {
            var pseudonym = new PatientPseudonymizer(Convert.FromBase64String(Secret("Privacy__PseudonymKey", secrets.PseudonymKeyFile))).Pseudonym(r.GetValue(patientOption));
            var since = r.GetValue(sinceOption);
            var (records, _, _) = await Store(r.GetValue(storageOption), secrets).ReadAllAsync(ct);
            var shown = 0;
            foreach (var record in records)
            {
                var e = record.Entry;
                if (e.Patient != pseudonym || (since is { } s && e.Time < s)) continue;
                Console.WriteLine(string.Join('\t', record.Sequence.ToString(CultureInfo.InvariantCulture), e.Time.ToString("O", CultureInfo.InvariantCulture),
                    e.Subject, string.Join(',', e.Roles), e.Action, e.Resource, e.Outcome, e.BreakGlass ? "BREAK-GLASS" : "", e.TraceId ?? "", e.Source ?? ""));
                shown++;
            }
            Console.Error.WriteLine($"{shown} records for patient pseudonym {pseudonym}");
            return 0;
        });

        audit.Subcommands.Add(verify);
        audit.Subcommands.Add(query);
        return audit;
    }

    private static AuditStore Store(string? connectionString, DevSecrets secrets)
    {
        var configuration = new ConfigurationBuilder().AddEnvironmentVariables().Build();
        if (connectionString is not null) configuration["ConnectionStrings:Storage"] = connectionString;
        return new(NovaMind.ServiceDefaults.StorageAccount.FromConfiguration(configuration).Tables(),
            Convert.FromBase64String(Secret("Audit__CheckpointKey", secrets.AuditKeyFile)));
    }

    /// <summary>The environment variable if set, else the development file ('./novamind dev init' creates it).</summary>
    private static string Secret(string variable, string file) =>
        Environment.GetEnvironmentVariable(variable)
        ?? (File.Exists(file) ? File.ReadAllText(file).Trim() : throw new InvalidOperationException($"set {variable} or create {file} ('./novamind dev init')"));
}
