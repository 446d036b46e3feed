using PortusFunctions.Images;

namespace PortusFunctions.Webhooks.Outbox;

/// <summary>
/// Turns the visible changes of each image store commit into deliveries: <c>tag.pushed</c>, <c>tag.deleted</c>
/// and <c>repository.deleted</c>. Manifest changes make no event.
/// </summary>
public sealed class WebhookChangeObserver : IImageChangeObserver
{
    private readonly OutboxWriter _writer;

    /// <summary>Creates the observer.</summary>
    public WebhookChangeObserver(OutboxWriter writer)
    {
        _writer = writer;
    }

    /// <inheritdoc/>
    public Task OnChangedAsync(IReadOnlyList<ImageChange> changes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(changes);

        var events = changes.Select(WebhookEvent.FromChange).OfType<WebhookEvent>().ToList();
        return _writer.WriteAsync(events, cancellationToken);
    }
}
