# esp-ota update server. Not built in CI. docker build -t esp-ota . && docker run -p 8070:8070 \
#   -e ESP_OTA_API_KEY=… -v esp-ota-data:/data esp-ota
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish src/EspOta.Cli -c Release -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app .
ENV ASPNETCORE_URLS=http://0.0.0.0:8070 \
    EspOta__DataDirectory=/data
VOLUME /data
EXPOSE 8070
USER app
HEALTHCHECK CMD ["dotnet", "esp-ota.dll", "--version"]
ENTRYPOINT ["dotnet", "esp-ota.dll", "serve"]
