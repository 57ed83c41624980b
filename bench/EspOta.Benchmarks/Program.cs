using BenchmarkDotNet.Running;

namespace EspOta.Benchmarks;

internal static class Program
{
    // dotnet run -c Release --project bench/EspOta.Benchmarks -- --filter '*'
    private static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
