/** Harness for tests that run Ember in real Spark processes (issue #5). */
package dev.ember.it;
