package org.elasticsearch.plugins;

import org.elasticsearch.common.settings.Settings;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Era "pluginsloader" (ES 8.18.x / 8.19.x).
 *
 * A PluginsService whose plugin list is a fixed set of Plugin classes that are already on the JVM
 * classpath (here: Netty4Plugin from org.elasticsearch.plugin:transport-netty4). No plugin directories,
 * no plugin-descriptor.properties, no module layers, no entitlement/security policies are involved.
 *
 * Own implementation for the test node; the package is org.elasticsearch.plugins only because the members it
 * needs (the LoadedPlugin record, loadPlugin, loadExtensions) are package-private.
 */
public class WatchfloorClasspathPluginsService extends PluginsService {

    private final List<LoadedPlugin> classpathPlugins;

    public WatchfloorClasspathPluginsService(Settings settings, PluginsLoader emptyLoader, Collection<Class<? extends Plugin>> pluginClasses) {
        // configPath=null: plugins are not given a config dir; the loader is empty so the superclass loads nothing
        super(settings, null, emptyLoader);
        List<LoadedPlugin> loaded = new ArrayList<>(pluginClasses.size());
        for (Class<? extends Plugin> pluginClass : pluginClasses) {
            Plugin instance = loadPlugin(pluginClass, settings, null); // honours (), (Settings), (Settings, Path) ctors
            Object descriptor = WatchfloorPluginSupport.descriptorFor(pluginClass);
            loaded.add(WatchfloorPluginSupport.loadedPlugin(descriptor, instance, pluginClass.getClassLoader()));
        }
        this.classpathPlugins = List.copyOf(loaded);
        loadExtensions(this.classpathPlugins); // SPI wiring for ExtensiblePlugins (no-op for Netty4Plugin)
    }

    /** Typed helper for the node factory. */
    public static PluginsLoader emptyPluginsLoader() {
        return (PluginsLoader) WatchfloorPluginSupport.emptyPluginsLoader();
    }

    @Override
    protected List<LoadedPlugin> plugins() {
        // may be called from the super constructor in some versions, before our field is set
        return classpathPlugins == null ? super.plugins() : classpathPlugins;
    }
}
