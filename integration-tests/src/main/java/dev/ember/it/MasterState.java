package dev.ember.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One reading of a standalone Master's state from its web UI's JSON ({@code
 * http://<host>:<webui>/json/}): workers, applications and drivers. Immutable.
 */
public record MasterState(
    String url, String status, List<Worker> workers, List<App> apps, List<Driver> drivers) {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  public MasterState {
    workers = List.copyOf(workers);
    apps = List.copyOf(apps);
    drivers = List.copyOf(drivers);
  }

  /** A registered worker: its RPC port identifies its executors ({@code --worker-url}). */
  public record Worker(String id, String host, int port, String state, int cores, int coresUsed) {}

  /** An application, running or finished. */
  public record App(String id, String name, String state) {}

  /** A driver submitted in cluster mode, with the worker that runs it. */
  public record Driver(String id, String state, String worker) {}

  /** Reads the state; empty while the web UI does not answer. */
  public static Optional<MasterState> read(URI webUi) {
    try {
      HttpResponse<String> r =
          HTTP.send(
              HttpRequest.newBuilder(webUi.resolve("/json/"))
                  .timeout(Duration.ofSeconds(10))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 ? Optional.of(parse(r.body())) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  static MasterState parse(String json) throws IOException {
    JsonNode root = JSON.readTree(json);
    List<Worker> workers = new ArrayList<>();
    for (JsonNode w : root.path("workers")) {
      workers.add(
          new Worker(
              w.path("id").asText(),
              w.path("host").asText(),
              w.path("port").asInt(),
              w.path("state").asText(),
              w.path("cores").asInt(),
              w.path("coresused").asInt()));
    }
    List<App> apps = new ArrayList<>();
    for (String field : List.of("activeapps", "completedapps")) {
      for (JsonNode a : root.path(field)) {
        apps.add(new App(a.path("id").asText(), a.path("name").asText(), a.path("state").asText()));
      }
    }
    List<Driver> drivers = new ArrayList<>();
    for (String field : List.of("activedrivers", "completeddrivers")) {
      for (JsonNode d : root.path(field)) {
        drivers.add(
            new Driver(d.path("id").asText(), d.path("state").asText(), d.path("worker").asText()));
      }
    }
    return new MasterState(
        root.path("url").asText(), root.path("status").asText(), workers, apps, drivers);
  }

  /** Workers in state ALIVE. */
  public List<Worker> aliveWorkers() {
    return workers.stream().filter(w -> w.state().equals("ALIVE")).toList();
  }

  /** The application named {@code name}, the latest if several. */
  public Optional<App> app(String name) {
    return apps.stream()
        .filter(a -> a.name().equals(name))
        .max(java.util.Comparator.comparing(App::id));
  }
}
