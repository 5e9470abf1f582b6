namespace PrPortal.Resources;

/// <summary>Marker for the UI strings: SharedResource.resx (Japanese, the default) and SharedResource.en.resx.</summary>
public sealed class SharedResource;
