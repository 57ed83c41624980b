namespace EspOta.Tests;

public sealed class VectorsFolderTests
{
    [Fact]
    public void Root_Exists_WithAllThreeCorpora()
    {
        Assert.True(File.Exists(Vectors.PathOf("partition-tables", "index.json")));
        Assert.True(File.Exists(Vectors.PathOf("images", "index.json")));
        Assert.True(File.Exists(Vectors.PathOf("otadata", "README.md")));
    }
}
