package dev.ember.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class MasterStateTest {
  /** Cut from a Spark 3.5.3 Master's {@code /json/} answer. */
  private static final String JSON =
      """
      {
        "url" : "spark://127.0.0.1:17077",
        "workers" : [ {
          "id" : "worker-20261126134057-127.0.0.1-45955", "host" : "127.0.0.1", "port" : 45955,
          "webuiaddress" : "http://127.0.0.1:18081", "cores" : 1, "coresused" : 1,
          "state" : "ALIVE"
        }, {
          "id" : "worker-20261126134058-127.0.0.1-42751", "host" : "127.0.0.1", "port" : 42751,
          "cores" : 1, "coresused" : 0, "state" : "DEAD"
        } ],
        "aliveworkers" : 1,
        "activeapps" : [ { "id" : "app-20261126134543-0006", "name" : "ember-embed",
                           "state" : "RUNNING" } ],
        "completedapps" : [ { "id" : "app-20261126134106-0000", "name" : "ember-embed",
                              "state" : "FINISHED" } ],
        "activedrivers" : [ ],
        "completeddrivers" : [ { "id" : "driver-20261126134220-0000", "state" : "FINISHED",
                                 "worker" : "worker-20261126134058-127.0.0.1-42751" } ],
        "status" : "ALIVE"
      }
      """;

  @Test
  void readsWorkersAppsAndDrivers() throws Exception {
    MasterState s = MasterState.parse(JSON);
    assertEquals("spark://127.0.0.1:17077", s.url());
    assertEquals(List.of(45955), s.aliveWorkers().stream().map(MasterState.Worker::port).toList());
    assertEquals(2, s.apps().size());
    assertEquals("app-20261126134543-0006", s.app("ember-embed").orElseThrow().id());
    assertEquals("FINISHED", s.drivers().get(0).state());
  }
}
