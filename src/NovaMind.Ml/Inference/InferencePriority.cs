namespace NovaMind.Ml.Inference;

/// <summary>Who is waiting for the answer. Higher values are served first.</summary>
public enum InferencePriority
{
    /// <summary>Cache refreshes, cohort re-scoring: nobody is looking.</summary>
    Background = 0,

    /// <summary>A clinician or app request: someone is waiting.</summary>
    Clinician = 1,

    /// <summary>Crisis alerting: must not queue behind anything else.</summary>
    Crisis = 2,
}

/// <summary>How one request wants to be served.</summary>
public readonly record struct InferenceRequestOptions(InferencePriority Priority = InferencePriority.Clinician, TimeSpan? Deadline = null)
{
    public static InferenceRequestOptions Default => new(InferencePriority.Clinician);
}

/// <summary>The scheduler's queue is full of equal or more urgent work; the caller should back off and retry.</summary>
public sealed class InferenceOverloadedException(string model, int capacity, string? detail = null)
    : Exception($"inference for model '{model}' is overloaded: the queue holds {capacity} requests{(detail is null ? "" : "; " + detail)}");

/// <summary>The request's deadline passed before it could run; it was not executed.</summary>
public sealed class InferenceDeadlineExceededException(string model, TimeSpan deadline)
    : TimeoutException($"inference for model '{model}' did not start within its {deadline.TotalMilliseconds:0.#} ms deadline; the request was not executed");
