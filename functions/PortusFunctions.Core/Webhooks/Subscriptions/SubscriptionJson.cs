using System.Text.Json.Serialization;

namespace PortusFunctions.Webhooks.Subscriptions;

/// <summary>Source-generated JSON for the list and map columns of subscription rows.</summary>
[JsonSerializable(typeof(IReadOnlyList<string>))]
[JsonSerializable(typeof(IReadOnlyDictionary<string, string>))]
internal sealed partial class SubscriptionJson : JsonSerializerContext;
