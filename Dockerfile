# CpxTeleservice: multi-stage build, runtime image, non-root user.
# The image carries no certificate and no key: mount the server certificate and the trust anchor
# bundles, and set the environment variables listed in README.md ("Configuration").
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
# The PDF forms' font (DejaVu Sans) is built into the service from Debian's fonts-dejavu-core.
RUN apt-get update && apt-get install -y --no-install-recommends fonts-dejavu-core && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props ./
COPY api/CpxTeleservice.Api.csproj api/
RUN dotnet restore api/CpxTeleservice.Api.csproj
COPY api/ api/
COPY protos/ protos/
COPY db/migrations/ db/migrations/
COPY openapi.yaml ./
RUN dotnet publish api/CpxTeleservice.Api.csproj -c Release -o /app --no-restore

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
COPY --from=build /app ./
# The aspnet images define the unprivileged `app` user ($APP_UID).
USER $APP_UID
ENV ASPNETCORE_ENVIRONMENT=Production \
    Urls=https://+:8443 \
    DataProtection__KeysPath=/tmp/keys
EXPOSE 8443
HEALTHCHECK NONE
ENTRYPOINT ["dotnet", "CpxTeleservice.Api.dll"]
