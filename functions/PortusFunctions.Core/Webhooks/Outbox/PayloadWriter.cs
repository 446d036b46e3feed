using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using PortusFunctions.Webhooks.Subscriptions;

namespace PortusFunctions.Webhooks.Outbox;

/// <summary>Writes the body of a delivery in the subscription's format.</summary>
/// <remarks>
/// <para>The app's own format:
/// <c>{"id":"...","type":"tag.pushed","time":"...","subject":"team/app:v1","data":{...}}</c>.</para>
/// <para>CloudEvents 1.0 in structured JSON mode, with the same <c>id</c>, <c>time</c>, <c>subject</c> and
/// <c>data</c>, <c>type</c> prefixed with <see cref="CloudEventTypePrefix"/>, <c>source</c> from
/// <c>Outbox__EventSource</c>, and <c>datacontenttype</c> <c>application/json</c>.</para>
/// </remarks>
public static class PayloadWriter
{
    /// <summary>Prefix of the CloudEvents <c>type</c> attribute, as in <c>portus.tag.pushed</c>.</summary>
    public const string CloudEventTypePrefix = "portus.";

    /// <summary>Content type of the app's own format.</summary>
    public const string JsonContentType = "application/json; charset=utf-8";

    /// <summary>Content type of CloudEvents in structured JSON mode.</summary>
    public const string CloudEventsContentType = "application/cloudevents+json; charset=utf-8";

    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static readonly JsonSerializerOptions NodeOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Returns the <c>Content-Type</c> of a format.</summary>
    public static string ContentType(PayloadFormat format) =>
        format == PayloadFormat.CloudEvents ? CloudEventsContentType : JsonContentType;

    /// <summary>Writes the body that <paramref name="subscription"/> receives for <paramref name="webhookEvent"/>.</summary>
    /// <param name="webhookEvent">The event.</param>
    /// <param name="subscription">The subscription, whose format and minimum severity shape the body.</param>
    /// <param name="eventSource">CloudEvents <c>source</c> attribute.</param>
    public static string Write(WebhookEvent webhookEvent, Subscription subscription, string eventSource)
    {
        ArgumentNullException.ThrowIfNull(webhookEvent);
        ArgumentNullException.ThrowIfNull(subscription);

        var data = DataFor(webhookEvent, subscription);
        var time = webhookEvent.Version.Time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            if (subscription.Format == PayloadFormat.CloudEvents)
            {
                writer.WriteString("specversion", "1.0");
                writer.WriteString("id", webhookEvent.Id);
                writer.WriteString("source", eventSource);
                writer.WriteString("type", CloudEventTypePrefix + webhookEvent.Type);
                writer.WriteString("time", time);
                writer.WriteString("subject", webhookEvent.Subject);
                writer.WriteString("datacontenttype", "application/json");
            }
            else
            {
                writer.WriteString("id", webhookEvent.Id);
                writer.WriteString("type", webhookEvent.Type);
                writer.WriteString("time", time);
                writer.WriteString("subject", webhookEvent.Subject);
            }

            writer.WritePropertyName("data");
            data.WriteTo(writer, NodeOptions);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <summary>Returns the event's data, with the subscription's threshold added to <c>vulnerabilities.found</c>.</summary>
    private static JsonObject DataFor(WebhookEvent webhookEvent, Subscription subscription)
    {
        if (webhookEvent.Type != WebhookEventTypes.VulnerabilitiesFound || subscription.MinimumSeverity is not { } minimum)
        {
            return webhookEvent.Data;
        }

        var data = (JsonObject)webhookEvent.Data.DeepClone();
        data["minimumSeverity"] = MinimumSeverities.Format(minimum);
        data["countAtOrAboveMinimum"] = webhookEvent.Vulnerabilities?.AtOrAbove(minimum) ?? 0;
        return data;
    }
}
