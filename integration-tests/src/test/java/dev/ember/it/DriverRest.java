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

/**
 * A running driver's monitoring REST API ({@code <ui>/api/v1/applications/<appId>/...}), for
 * watching a job's progress from outside; needs {@code spark.ui.enabled=true}.
 */
final class DriverRest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final URI app;

  record Job(int id, String name, String status, int tasks, int activeTasks, int completedTasks) {}

  record Executor(String id, int activeTasks, int completedTasks, boolean active) {}

  DriverRest(URI ui, String appId) {
    this.app = ui.resolve("/api/v1/applications/" + appId + "/");
  }

  /** The application's jobs; empty when the driver does not answer (yet, or any more). */
  List<Job> jobs() {
    List<Job> jobs = new ArrayList<>();
    for (JsonNode j : get("jobs")) {
      jobs.add(
          new Job(
              j.path("jobId").asInt(),
              j.path("name").asText(),
              j.path("status").asText(),
              j.path("numTasks").asInt(),
              j.path("numActiveTasks").asInt(),
              j.path("numCompletedTasks").asInt()));
    }
    return jobs;
  }

  /** The application's executors, the driver excluded. */
  List<Executor> executors() {
    List<Executor> executors = new ArrayList<>();
    for (JsonNode e : get("executors")) {
      if (!e.path("id").asText().equals("driver")) {
        executors.add(
            new Executor(
                e.path("id").asText(),
                e.path("activeTasks").asInt(),
                e.path("completedTasks").asInt(),
                e.path("isActive").asBoolean()));
      }
    }
    return executors;
  }

  private JsonNode get(String path) {
    try {
      HttpResponse<String> r =
          HTTP.send(
              HttpRequest.newBuilder(app.resolve(path)).timeout(Duration.ofSeconds(10)).build(),
              HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 ? JSON.readTree(r.body()) : JSON.createArrayNode();
    } catch (IOException e) {
      return JSON.createArrayNode();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return JSON.createArrayNode();
    }
  }
}
