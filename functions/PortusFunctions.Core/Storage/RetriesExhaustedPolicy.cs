using Azure;
using Azure.Core;
using Azure.Core.Pipeline;

namespace PortusFunctions.Storage;

/// <summary>
/// Turns the <see cref="AggregateException"/> that Azure.Core's retry policy throws when every attempt failed without
/// a response (storage refused the connection or timed out) into one <see cref="RequestFailedException"/> with status
/// 0, the exception a single failed attempt throws.
/// </summary>
/// <remarks>
/// The storage code catches <see cref="RequestFailedException"/> and checks <see cref="StorageFailure.IsTransient"/>
/// to turn an outage into <see cref="StorageUnavailableException"/>. Without this policy an outage escaped those
/// handlers as an <see cref="AggregateException"/>, so an HTTP request returned 500 instead of 503. The policy sits
/// before the retry policy, so it sees only the final outcome of a call.
/// </remarks>
internal sealed class RetriesExhaustedPolicy : HttpPipelinePolicy
{
    /// <inheritdoc/>
    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        try
        {
            ProcessNext(message, pipeline);
        }
        catch (AggregateException exception) when (StorageFailure.IsTransient(exception))
        {
            throw new RequestFailedException(0, exception.Message, exception);
        }
    }

    /// <inheritdoc/>
    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        try
        {
            await ProcessNextAsync(message, pipeline).ConfigureAwait(false);
        }
        catch (AggregateException exception) when (StorageFailure.IsTransient(exception))
        {
            throw new RequestFailedException(0, exception.Message, exception);
        }
    }
}
