using System.Text.Json.Serialization;

namespace PortusFunctions.Scanning;

/// <summary>Serialization of values stored inside scan table properties.</summary>
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(List<string>))]
internal sealed partial class ScanJson : JsonSerializerContext;
