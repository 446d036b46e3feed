using System.Text.Json.Serialization;

namespace PortusFunctions.Images;

/// <summary>Serialization of image details stored inside table properties.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(List<ManifestChild>))]
internal sealed partial class ImageJson : JsonSerializerContext;
