using System.Diagnostics;

namespace PortusFunctions.Webhooks.Delivery;

/// <summary>Keeps webhook targets' paths and queries out of traces.</summary>
/// <remarks>
/// A target URL can carry a credential in its path, as chat services' incoming webhook URLs do, so the
/// <c>url.full</c> tag of a delivery's client span keeps only the scheme, host and port.
/// </remarks>
public static class WebhookTelemetry
{
    /// <summary>Text that replaces the path and query of a webhook target in traces.</summary>
    public const string RedactedPath = "/REDACTED";

    /// <summary>Replaces <c>url.full</c> of a webhook delivery's span; leaves other requests alone.</summary>
    public static void RedactTarget(Activity activity, HttpRequestMessage request)
    {
        ArgumentNullException.ThrowIfNull(activity);

        if (WebhookSender.IsWebhookRequest(request) && request.RequestUri is { } url)
        {
            activity.SetTag("url.full", url.GetLeftPart(UriPartial.Authority) + RedactedPath);
        }
    }
}
