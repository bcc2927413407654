using NovaMind.Contracts;
using NovaMind.Domain.Observations;

namespace NovaMind.Grains.Workers;

/// <summary>Observations travel to workers as columns (compact on the wire); workers read them as domain observations.</summary>
public static class ObservationColumnsMapping
{
    public static Observation[] ToObservations(this ObservationColumns columns)
    {
        var result = new Observation[columns.Values.Length];
        for (var i = 0; i < result.Length; i++)
            result[i] = new Observation(DateTimeOffset.FromUnixTimeMilliseconds(columns.UnixMilliseconds[i]), ObservationType.FromCode(columns.TypeCodes[i]), columns.Values[i]);
        return result;
    }
}
