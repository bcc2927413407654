using System.Globalization;
using NovaMind.Contracts;
using NovaMind.Domain.Pharmacogenomics;

namespace NovaMind.Grains.Twins;

/// <summary>Between the wire DTOs and the pharmacogenomics domain types.</summary>
public static class PgxMapping
{
    public static MedicationPlanDto ToDto(this MedicationPlan plan) => new(
        [.. plan.Current.Select(c => new CurrentMedicationDto(c.Drug, c.DoseMg, c.Start))],
        [.. plan.History.Select(h => new PastTreatmentDto(h.Drug, h.DoseMg, h.Start, h.End, h.Response.ToString().ToLowerInvariant(), [.. h.SideEffects]))]);

    /// <summary>Re-validates a DTO (defence in depth at the twin) and returns the domain plan, or the errors.</summary>
    public static MedicationPlanValidation Validate(this MedicationPlanDto dto, DrugCatalogue catalogue, DateOnly today) =>
        MedicationPlanValidator.Validate(
            [.. dto.Current.Select(c => new RawMedication(c.Drug, c.DoseMg, c.Start.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), null, null, null))],
            [.. dto.History.Select(h => new RawMedication(h.Drug, h.DoseMg, h.Start.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                h.End.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), h.Response, h.SideEffects))],
            catalogue, today);

    public static MedicationPlan ToDomain(this MedicationPlanDto dto) => new(
        [.. dto.Current.Select(c => new CurrentMedication(c.Drug, c.DoseMg, c.Start))],
        [.. dto.History.Select(h => new PastTreatment(h.Drug, h.DoseMg, h.Start, h.End, Enum.Parse<TreatmentResponse>(h.Response, ignoreCase: true), h.SideEffects))]);
}
