/** Public surface of the statistics engine: pure functions, no framework, no I/O. */
export * from './analyze-experiment';
export * from './bayesian';
export * from './chi-square';
export * from './compare';
export * from './distributions';
export * from './means';
export * from './multiple-testing';
export * from './numbers';
export * from './proportions';
export * from './recommendation';
export * from './relative-lift';
export * from './sample-size';
export * from './sequential';
export * from './timeseries';
export * from './types';
