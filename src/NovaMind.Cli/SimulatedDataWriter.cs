using System.Globalization;
using System.Text;
using System.Text.Json;
using NovaMind.Domain.Observations;
using NovaMind.Simulation;

namespace NovaMind.Cli;

/// <summary>
/// Writes a simulated symptom cohort (docs/forecast-simulator.md, "Files"): observations as CSV
/// (patient,time,type,value) or JSON Lines when the file ends in .jsonl; optionally the oracle forecasts at a few
/// origins and each patient's latent truth (parameters, medication, relapse days).
/// </summary>
public static class SimulatedDataWriter
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static void WriteObservations(SymptomCohort cohort, string path)
    {
        using var w = Create(path);
        var jsonl = path.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase);
        if (!jsonl) w.WriteLine("patient,time,type,value");
        foreach (var p in cohort.Patients)
            foreach (var o in p.Observations.OrderBy(o => o.Time).ThenBy(o => o.Type.Code))
            {
                var time = o.Time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", Inv);
                var value = o.Value.ToString("R", Inv);
                w.WriteLine(jsonl
                    ? $"{{\"patient\":{p.Index},\"time\":\"{time}\",\"type\":\"{o.Type.Name}\",\"value\":{value}}}"
                    : $"{p.Index},{time},{o.Type.Name},{value}");
            }
    }

    /// <summary>Origins every <paramref name="every"/> days from day <paramref name="first"/> (0-based) on; horizons 1..maxHorizon.</summary>
    public static int WriteOracle(SymptomCohort cohort, string path, int first = 55, int every = 28, int maxHorizon = 28)
    {
        using var w = Create(path);
        w.WriteLine("patient,origin,type,horizon,target_day,mean,sd,observed");
        var rows = 0;
        foreach (var p in cohort.Patients)
            for (var d = Math.Min(first, p.Days - 1); d < p.Days; d += every)
            {
                var origin = p.FirstDay.AddDays(d);
                foreach (var symptom in new[] { ObservationType.Mood, ObservationType.Phq9, ObservationType.Gad7 })
                {
                    var f = cohort.OracleForecast(p.Index, origin, symptom, maxHorizon);
                    for (var h = 1; h <= maxHorizon; h++)
                    {
                        var t = d + h;
                        var observed = t < p.Days && !double.IsNaN(p.Daily[symptom][t]) ? p.Daily[symptom][t].ToString("R", Inv) : "";
                        w.WriteLine($"{p.Index},{origin:yyyy-MM-dd},{symptom.Name},{h},{origin.AddDays(h):yyyy-MM-dd}," +
                                    $"{f.Mean[h - 1].ToString("F4", Inv)},{f.Sd[h - 1].ToString("F4", Inv)},{observed}");
                        rows++;
                    }
                }
            }
        return rows;
    }

    public static void WriteTruth(SymptomCohort cohort, string path)
    {
        using var w = Create(path);
        foreach (var p in cohort.Patients)
        {
            var relapseDays = Enumerable.Range(0, p.Days).Where(p.InRelapse).Select(d => p.FirstDay.AddDays(d)).ToList();
            w.WriteLine(JsonSerializer.Serialize(new { patient = p.Index, first_day = p.FirstDay, last_day = p.LastDay, parameters = p.Parameters, relapse_days = relapseDays }, Json));
        }
    }

    private static StreamWriter Create(string path)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        return new StreamWriter(path, false, new UTF8Encoding(false)) { NewLine = "\n" };
    }
}
