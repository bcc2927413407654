using System.Globalization;
using NovaMind.Domain.Observations;

namespace NovaMind.Domain.Tests;

public class ObservationBatchValidatorTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 10, 12, 0, 0, TimeSpan.Zero);
    private readonly ObservationBatchValidator _validator = new(new FixedTimeProvider(Now));

    private static RawObservation Good(double value = 5, string type = "mood", string time = "2026-03-10T08:00:00Z") =>
        new(time, type, value);

    private ObservationBatchValidation ValidateOne(RawObservation? raw) => _validator.Validate([raw]);

    private static ObservationError SingleError(ObservationBatchValidation result)
    {
        Assert.Null(result.BatchError);
        Assert.Empty(result.Accepted);
        Assert.False(result.IsValid);
        return Assert.Single(result.Errors);
    }

    [Fact]
    public void ValidBatch_IsAcceptedWithTypedUtcObservations()
    {
        var result = _validator.Validate([
            new RawObservation("2026-03-10T08:00:00Z", "mood", 6.5),
            new RawObservation("2026-03-10T10:30:00+02:00", "sleep_hours", 7.25),
            new RawObservation("2026-03-09T22:15:00-05:00", "steps", 12_000),
        ]);

        Assert.True(result.IsValid);
        Assert.Null(result.BatchError);
        Assert.Empty(result.Errors);
        Assert.Equal(
            new[]
            {
                new Observation(new DateTimeOffset(2026, 3, 10, 8, 0, 0, TimeSpan.Zero), ObservationType.Mood, 6.5),
                new Observation(new DateTimeOffset(2026, 3, 10, 8, 30, 0, TimeSpan.Zero), ObservationType.SleepHours, 7.25),
                new Observation(new DateTimeOffset(2026, 3, 10, 3, 15, 0, TimeSpan.Zero), ObservationType.Steps, 12_000),
            },
            result.Accepted);
        Assert.All(result.Accepted, o => Assert.Equal(TimeSpan.Zero, o.Time.Offset));
        Assert.Same(ObservationType.SleepHours, result.Accepted[1].Type);
    }

    [Theory]
    [InlineData("heart_rate")]
    [InlineData("mood ")]
    public void UnknownType_IsRejectedAndNamed(string type)
    {
        var error = SingleError(ValidateOne(Good(type: type)));

        Assert.Equal(0, error.Index);
        Assert.Equal("type", error.Field);
        Assert.StartsWith($"unknown observation type '{type}'", error.Message);
        Assert.Contains("phq9, gad7, mood, sleep_hours, hrv_ms, resting_hr, steps", error.Message);
    }

    [Fact]
    public void UnknownType_LongNameIsTruncatedInTheMessage()
    {
        var type = new string('x', 500);
        var error = SingleError(ValidateOne(Good(type: type)));

        Assert.Equal("type", error.Field);
        Assert.Contains($"'{new string('x', 40)}…'", error.Message);
        Assert.DoesNotContain(new string('x', 41), error.Message);
    }

    [Theory]
    [InlineData(null, "type", "type is required")]
    [InlineData("", "type", "type is required")]
    [InlineData("   ", "type", "type is required")]
    public void MissingType_IsRejected(string? type, string field, string message)
    {
        var error = SingleError(ValidateOne(new RawObservation("2026-03-10T08:00:00Z", type, 5)));
        Assert.Equal(field, error.Field);
        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void MissingTime_IsRejected()
    {
        var error = SingleError(ValidateOne(new RawObservation(null, "mood", 5)));
        Assert.Equal("time", error.Field);
        Assert.Equal("time is required", error.Message);
    }

    [Fact]
    public void MissingValue_IsRejected()
    {
        var error = SingleError(ValidateOne(new RawObservation("2026-03-10T08:00:00Z", "mood", null)));
        Assert.Equal("value", error.Field);
        Assert.Equal("value is required", error.Message);
    }

    [Fact]
    public void NullItem_IsRejected()
    {
        var error = SingleError(ValidateOne(null));
        Assert.Equal(0, error.Index);
        Assert.Equal("observation", error.Field);
    }

    [Theory]
    [InlineData("mood", 0)]
    [InlineData("mood", 10)]
    [InlineData("phq9", 0)]
    [InlineData("phq9", 27)]
    [InlineData("gad7", 21)]
    [InlineData("sleep_hours", 24)]
    [InlineData("hrv_ms", 300)]
    [InlineData("resting_hr", 20)]
    [InlineData("resting_hr", 250)]
    [InlineData("steps", 0)]
    [InlineData("steps", 100_000)]
    public void ValueOnRangeBoundary_IsAccepted(string type, double value)
    {
        var result = ValidateOne(Good(value, type));
        Assert.True(result.IsValid);
        Assert.Equal(value, Assert.Single(result.Accepted).Value);
    }

    [Theory]
    [InlineData("mood", -0.1, "mood value -0.1 is outside 0..10")]
    [InlineData("mood", 10.1, "mood value 10.1 is outside 0..10")]
    [InlineData("phq9", 28, "phq9 value 28 is outside 0..27")]
    [InlineData("gad7", -1, "gad7 value -1 is outside 0..21")]
    [InlineData("sleep_hours", 24.5, "sleep_hours value 24.5 is outside 0..24")]
    [InlineData("hrv_ms", 300.01, "hrv_ms value 300.01 is outside 0..300")]
    [InlineData("resting_hr", 19.9, "resting_hr value 19.9 is outside 20..250")]
    [InlineData("resting_hr", 251, "resting_hr value 251 is outside 20..250")]
    [InlineData("steps", 100_001, "steps value 100001 is outside 0..100000")]
    public void ValueJustOutsideRange_IsRejectedWithRangeInMessage(string type, double value, string message)
    {
        var error = SingleError(ValidateOne(Good(value, type)));
        Assert.Equal("value", error.Field);
        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void EveryType_AcceptsItsExactBoundsAndRejectsTheNextRepresentableDoubleOutside()
    {
        foreach (var type in ObservationType.All)
        {
            Assert.True(ValidateOne(Good(type.Min, type.Name)).IsValid, $"{type.Name} min");
            Assert.True(ValidateOne(Good(type.Max, type.Name)).IsValid, $"{type.Name} max");
            Assert.Equal("value", SingleError(ValidateOne(Good(Math.BitDecrement(type.Min), type.Name))).Field);
            Assert.Equal("value", SingleError(ValidateOne(Good(Math.BitIncrement(type.Max), type.Name))).Field);
        }
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    public void NonFiniteValue_IsRejected(double value)
    {
        var error = SingleError(ValidateOne(Good(value)));
        Assert.Equal("value", error.Field);
        Assert.StartsWith("mood value ", error.Message);
        Assert.EndsWith(" is outside 0..10", error.Message);
    }

    [Theory]
    [InlineData("yesterday")]
    [InlineData("2026-13-01T08:00:00Z")]
    [InlineData("2026-02-30T08:00:00Z")]
    [InlineData("2026-03-10T25:00:00Z")]
    [InlineData("Z")]
    public void UnparseableTime_IsRejected(string time)
    {
        var error = SingleError(ValidateOne(Good(time: time)));
        Assert.Equal("time", error.Field);
        Assert.StartsWith($"time '{time}' is not an ISO 8601 date-time with a UTC offset", error.Message);
    }

    [Theory]
    [InlineData("2026-03-10T08:00:00")]
    [InlineData("2026-03-10T08:00")]
    [InlineData("2026-03-10T08:00:00.123")]
    [InlineData("2026-03-10")]
    [InlineData("03/10/2026 08:00:00 +00:00")]
    [InlineData("Tue, 10 Mar 2026 08:00:00Z")] // RFC 1123 with a 'T' only in "Tue"
    [InlineData("10/03/2026T08:00:00Z")]
    public void TimeWithoutOffsetOrNotIso_IsRejected(string time)
    {
        var error = SingleError(ValidateOne(Good(time: time)));
        Assert.Equal("time", error.Field);
        Assert.Contains("UTC offset", error.Message);
    }

    [Theory]
    [InlineData("2026-03-10T08:00:00Z", "2026-03-10T08:00:00Z")]
    [InlineData("2026-03-10T08:00:00z", "2026-03-10T08:00:00Z")]
    [InlineData("2026-03-10T08:00:00.250Z", "2026-03-10T08:00:00.250Z")]
    [InlineData("2026-03-10T10:00:00+02:00", "2026-03-10T08:00:00Z")]
    [InlineData("2026-03-10T03:00:00-05:00", "2026-03-10T08:00:00Z")]
    [InlineData(" 2026-03-10T08:00:00Z ", "2026-03-10T08:00:00Z")]
    public void TryParseTime_AcceptsIsoWithOffsetAndNormalisesToUtc(string text, string expectedUtc)
    {
        Assert.True(ObservationBatchValidator.TryParseTime(text, out var time));
        Assert.Equal(DateTimeOffset.Parse(expectedUtc, CultureInfo.InvariantCulture), time);
        Assert.Equal(TimeSpan.Zero, time.Offset);
    }

    [Fact]
    public void FutureTime_BeyondClockSkew_IsRejected()
    {
        var tooLate = Now + ObservationBatchValidator.AllowedClockSkew + TimeSpan.FromSeconds(1);
        var error = SingleError(ValidateOne(Good(time: tooLate.ToString("O", CultureInfo.InvariantCulture))));
        Assert.Equal("time", error.Field);
        Assert.EndsWith("is in the future", error.Message);
    }

    [Theory]
    [InlineData("1899-12-31T23:59:59Z", false)]
    [InlineData("0001-01-01T00:00:00Z", false)]
    [InlineData("1900-01-01T00:00:00Z", true)]
    public void TimesBefore1900_AreRejected(string time, bool valid)
    {
        var result = ValidateOne(Good(time: time));
        Assert.Equal(valid, result.IsValid);
        if (!valid) Assert.Contains("before 1900-01-01", SingleError(result).Message);
    }

    [Fact]
    public void FutureTime_ExpressedWithAnotherOffset_IsStillComparedInUtc()
    {
        // 13:06 at +01:00 is 12:06Z: six minutes ahead of the clock.
        var error = SingleError(ValidateOne(Good(time: "2026-03-10T13:06:00+01:00")));
        Assert.Equal("time", error.Field);
        Assert.EndsWith("is in the future", error.Message);

        // 13:04 at +01:00 is 12:04Z: within the skew.
        Assert.True(ValidateOne(Good(time: "2026-03-10T13:04:00+01:00")).IsValid);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(60)]
    [InlineData(299)]
    [InlineData(300)]
    public void FutureTime_WithinClockSkew_IsAccepted(int secondsAhead)
    {
        Assert.Equal(TimeSpan.FromMinutes(5), ObservationBatchValidator.AllowedClockSkew);
        var time = Now.AddSeconds(secondsAhead);
        var result = ValidateOne(Good(time: time.ToString("O", CultureInfo.InvariantCulture)));
        Assert.True(result.IsValid);
        Assert.Equal(time, Assert.Single(result.Accepted).Time);
    }

    [Fact]
    public void OldTime_IsAccepted()
    {
        Assert.True(ValidateOne(Good(time: "2001-01-01T00:00:00Z")).IsValid);
    }

    [Fact]
    public void EmptyOrNullBatch_IsABatchError()
    {
        foreach (var batch in new[] { null, Array.Empty<RawObservation?>() })
        {
            var result = _validator.Validate(batch);
            Assert.Equal("observations must be a non-empty array", result.BatchError);
            Assert.Empty(result.Accepted);
            Assert.Empty(result.Errors);
            Assert.False(result.IsValid);
        }
    }

    [Fact]
    public void BatchOfMaxSize_IsAccepted()
    {
        Assert.Equal(10_000, ObservationBatchValidator.MaxBatchSize);
        var batch = Enumerable.Range(0, 10_000).Select(i => (RawObservation?)Good(i % 11)).ToList();

        var result = _validator.Validate(batch);

        Assert.True(result.IsValid);
        Assert.Equal(10_000, result.Accepted.Count);
        Assert.Equal(7, result.Accepted[7].Value);
    }

    [Fact]
    public void BatchOverMaxSize_IsABatchErrorWithoutItemErrors()
    {
        var batch = Enumerable.Range(0, 10_001).Select(_ => (RawObservation?)Good()).ToList();

        var result = _validator.Validate(batch);

        Assert.False(result.IsValid);
        Assert.Equal("a request may carry at most 10000 observations; this one has 10001", result.BatchError);
        Assert.Empty(result.Accepted);
        Assert.Empty(result.Errors);
    }

    [Fact]
    public void OneBadItemAmongGoodOnes_RejectsTheWholeBatch()
    {
        var batch = Enumerable.Range(0, 100).Select(_ => (RawObservation?)Good()).ToList();
        batch[57] = Good(11);

        var result = _validator.Validate(batch);

        Assert.False(result.IsValid);
        Assert.Empty(result.Accepted);
        var error = Assert.Single(result.Errors);
        Assert.Equal(57, error.Index);
        Assert.Equal("value", error.Field);
    }

    [Fact]
    public void Errors_NameTheIndexAndFieldOfEachBadItem()
    {
        var result = _validator.Validate([
            Good(),
            Good(type: "glucose"),
            Good(),
            Good(time: "2026-03-10 08:00"),
            Good(-3, "phq9"),
            null,
            Good(),
        ]);

        Assert.Empty(result.Accepted);
        Assert.Null(result.BatchError);
        Assert.Equal(
            new[] { (1, "type"), (3, "time"), (4, "value"), (5, "observation") },
            result.Errors.Select(e => (e.Index, e.Field)).ToArray());
    }

    [Fact]
    public void ItemErrors_AreCappedAtMaxReportedErrors()
    {
        Assert.Equal(50, ObservationBatchValidator.MaxReportedErrors);
        var batch = Enumerable.Range(0, 500).Select(i => (RawObservation?)(i % 2 == 0 ? Good(-1) : Good())).ToList();

        var result = _validator.Validate(batch);

        Assert.False(result.IsValid);
        Assert.Empty(result.Accepted);
        Assert.Equal(50, result.Errors.Count);
        Assert.Equal(Enumerable.Range(0, 50).Select(i => i * 2), result.Errors.Select(e => e.Index));
    }

    // ---- Check(): the typed re-check ----

    private static Observation Typed(ObservationType type, double value, DateTimeOffset? time = null) =>
        new(time ?? Now.AddHours(-1), type, value);

    [Fact]
    public void Check_ValidBatch_ReturnsNull()
    {
        Assert.Null(_validator.Check([
            Typed(ObservationType.Mood, 0),
            Typed(ObservationType.RestingHr, 250),
            Typed(ObservationType.Steps, 100_000, Now + ObservationBatchValidator.AllowedClockSkew),
        ]));
    }

    [Fact]
    public void Check_Empty_IsRejected()
    {
        Assert.Equal("observations must be a non-empty array", _validator.Check([]));
    }

    [Fact]
    public void Check_OverMaxSize_IsRejected()
    {
        var batch = Enumerable.Repeat(Typed(ObservationType.Mood, 5), 10_001).ToArray();
        Assert.Equal("a request may carry at most 10000 observations; this one has 10001", _validator.Check(batch));
        Assert.Null(_validator.Check(batch[..10_000]));
    }

    [Theory]
    [InlineData(-0.5)]
    [InlineData(10.5)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void Check_OutOfRangeValue_NamesTheFirstBadIndex(double value)
    {
        var message = _validator.Check([
            Typed(ObservationType.Mood, 5),
            Typed(ObservationType.Mood, value),
            Typed(ObservationType.Phq9, 99),
        ]);
        Assert.Equal("observation 1: mood value is outside 0..10", message);
    }

    [Fact]
    public void Check_FutureTime_IsRejected()
    {
        var message = _validator.Check([
            Typed(ObservationType.Mood, 5),
            Typed(ObservationType.Mood, 5, Now + ObservationBatchValidator.AllowedClockSkew + TimeSpan.FromTicks(1)),
        ]);
        Assert.Equal("observation 1: time is in the future", message);
    }
}
