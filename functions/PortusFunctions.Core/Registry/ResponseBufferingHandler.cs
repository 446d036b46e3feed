namespace PortusFunctions.Registry;

/// <summary>
/// Reads each response body into memory inside the resilience pipeline, so that a body cut short or too slow fails
/// the attempt and is retried like a failed request, within the same per-attempt timeout.
/// </summary>
public sealed class ResponseBufferingHandler : DelegatingHandler
{
    /// <summary>Largest body read; a tag list of a million tags is about 30 MB.</summary>
    public const long MaxBodyBytes = 64L * 1024 * 1024;

    /// <inheritdoc/>
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        try
        {
            await response.Content.LoadIntoBufferAsync(MaxBodyBytes, cancellationToken).ConfigureAwait(false);
            return response;
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }
}
