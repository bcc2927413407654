using System.Globalization;

namespace NovaMind.Domain.Pharmacogenomics;

/// <summary>How a past treatment worked, as a clinician records it.</summary>
public enum TreatmentResponse { None, Partial, Response, Remission }

public sealed record CurrentMedication(string Drug, double DoseMg, DateOnly Start);

public sealed record PastTreatment(string Drug, double DoseMg, DateOnly Start, DateOnly End, TreatmentResponse Response, IReadOnlyList<string> SideEffects);

/// <summary>A patient's current medications and treatment history.</summary>
public sealed record MedicationPlan(IReadOnlyList<CurrentMedication> Current, IReadOnlyList<PastTreatment> History)
{
    public static MedicationPlan Empty { get; } = new([], []);
}

/// <summary>Medications as they arrive from outside, before validation.</summary>
public sealed record RawMedication(string? Drug, double? DoseMg, string? Start, string? End, string? Response, IReadOnlyList<string?>? SideEffects);

public sealed record MedicationError(string Pointer, string Message);

public sealed record MedicationPlanValidation(MedicationPlan? Plan, IReadOnlyList<MedicationError> Errors)
{
    public bool IsValid => Plan is not null && Errors.Count == 0;
}

/// <summary>Validates a medication plan against the drug catalogue: all or nothing, every error names its value.</summary>
public static class MedicationPlanValidator
{
    public const int MaxEntries = 200;

    /// <summary>Side effects the outcome model and the reports know; others are refused rather than silently lost.</summary>
    public static readonly IReadOnlyList<string> KnownSideEffects =
    [
        "nausea", "insomnia", "sedation", "sexual_dysfunction", "weight_gain", "headache", "dizziness",
        "dry_mouth", "agitation", "constipation", "sweating", "tremor", "rash", "qt_prolongation", "hyponatremia",
    ];

    /// <summary>
    /// Side effects that count as serious when a drug is ranked again: a rash may herald SJS/TEN, QT prolongation risks
    /// arrhythmia, hyponatremia can be life-threatening. A drug that caused one ranks down within its guideline category.
    /// </summary>
    public static readonly IReadOnlyList<string> SeriousSideEffects = ["rash", "qt_prolongation", "hyponatremia"];

    public static MedicationPlanValidation Validate(IReadOnlyList<RawMedication?>? current, IReadOnlyList<RawMedication?>? history, DrugCatalogue catalogue, DateOnly today)
    {
        var errors = new List<MedicationError>();
        current ??= [];
        history ??= [];
        if (current.Count + history.Count > MaxEntries)
            return new(null, [new("", $"at most {MaxEntries} medication entries are accepted; this request has {current.Count + history.Count}")]);

        var currentOut = new List<CurrentMedication>();
        for (var i = 0; i < current.Count; i++)
        {
            var p = $"current[{i}]";
            if (current[i] is not { } m) { errors.Add(new(p, "must be an object")); continue; }
            var drug = Drug(m.Drug, p, catalogue, errors);
            var dose = Dose(m.DoseMg, p, errors);
            var start = Date(m.Start, $"{p}.start", required: true, errors);
            if (start > today) errors.Add(new($"{p}.start", $"start {start:yyyy-MM-dd} is in the future"));
            if (drug is not null && dose is not null && start is not null) currentOut.Add(new(drug, dose.Value, start.Value));
        }

        var historyOut = new List<PastTreatment>();
        for (var i = 0; i < history.Count; i++)
        {
            var p = $"history[{i}]";
            if (history[i] is not { } m) { errors.Add(new(p, "must be an object")); continue; }
            var drug = Drug(m.Drug, p, catalogue, errors);
            var dose = Dose(m.DoseMg, p, errors);
            var start = Date(m.Start, $"{p}.start", required: true, errors);
            var end = Date(m.End, $"{p}.end", required: true, errors);
            if (start is not null && end is not null && end < start)
                errors.Add(new($"{p}.end", $"end {end:yyyy-MM-dd} is before start {start:yyyy-MM-dd}"));
            if (end > today) errors.Add(new($"{p}.end", $"end {end:yyyy-MM-dd} is in the future; a treatment still running belongs in current"));
            TreatmentResponse? response = null;
            if (string.IsNullOrWhiteSpace(m.Response)) errors.Add(new($"{p}.response", "response is required (none, partial, response, remission)"));
            else if (Enum.TryParse<TreatmentResponse>(m.Response.Trim(), ignoreCase: true, out var r) && !int.TryParse(m.Response, out _)) response = r;
            else errors.Add(new($"{p}.response", $"unknown response '{Short(m.Response)}'; expected none, partial, response or remission"));
            var effects = new List<string>();
            foreach (var (e, j) in (m.SideEffects ?? []).Select((e, j) => (e, j)))
            {
                var name = e?.Trim().ToLowerInvariant();
                if (name is null || !KnownSideEffects.Contains(name))
                    errors.Add(new($"{p}.side_effects[{j}]", $"unknown side effect '{Short(e ?? "")}'; known: {string.Join(", ", KnownSideEffects)}"));
                else if (!effects.Contains(name)) effects.Add(name);
            }
            if (drug is not null && dose is not null && start is not null && end is not null && response is not null)
                historyOut.Add(new(drug, dose.Value, start.Value, end.Value, response.Value, effects));
        }
        return errors.Count > 0 ? new(null, errors) : new(new MedicationPlan(currentOut, historyOut), []);
    }

    private static string? Drug(string? name, string pointer, DrugCatalogue catalogue, List<MedicationError> errors)
    {
        if (string.IsNullOrWhiteSpace(name)) { errors.Add(new($"{pointer}.drug", "drug is required")); return null; }
        if (catalogue.TryGet(name, out var drug)) return drug.Name;
        errors.Add(new($"{pointer}.drug", $"unknown drug '{Short(name)}'; known drugs: {string.Join(", ", catalogue.KnownMedications)}"));
        return null;
    }

    private static double? Dose(double? dose, string pointer, List<MedicationError> errors)
    {
        if (dose is not { } d) { errors.Add(new($"{pointer}.dose_mg", "dose_mg is required")); return null; }
        if (!double.IsFinite(d) || d <= 0 || d > 10_000) { errors.Add(new($"{pointer}.dose_mg", $"dose_mg {d.ToString(CultureInfo.InvariantCulture)} must be above 0 and at most 10000")); return null; }
        return d;
    }

    private static DateOnly? Date(string? text, string pointer, bool required, List<MedicationError> errors)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            if (required) errors.Add(new(pointer, "date is required (yyyy-MM-dd)"));
            return null;
        }
        if (DateOnly.TryParseExact(text.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d)) return d;
        errors.Add(new(pointer, $"'{Short(text)}' is not a date in yyyy-MM-dd form"));
        return null;
    }

    private static string Short(string s) => s.Length <= 40 ? s : s[..40] + "…";
}
